#include "apps/hrnet-infer/image_mode.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

#include "apps/hrnet-infer/draw.h"
#include "datasets/annotations/coco.h"
#include "datasets/eval/postprocess/decode.h"
#include "datasets/eval/postprocess/flip.h"
#include "datasets/eval/postprocess/heatmaps.h"
#include "datasets/eval/postprocess/nms.h"
#include "datasets/eval/postprocess/results_json.h"
#include "datasets/image/affine.h"
#include "datasets/image/image.h"
#include "datasets/record.h"
#include "engine/autograd.h"
#include "engine/error.h"
#include "engine/io/file.h"

namespace hr::app::infer {
namespace post = data::post;

namespace {

struct Box {
  double x, y, w, h, score;
};

std::vector<Box> read_boxes(const std::string& path, const std::string& image, double thre) {
  std::ifstream f(path);
  HR_CHECK(f.good(), "cannot open boxes file '{}'", path);
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(f);
  } catch (const nlohmann::json::exception& e) {
    fail("boxes file '{}' is not valid JSON: {}", path, e.what());
  }
  HR_CHECK(j.is_array(), "boxes file '{}': expected a JSON list of boxes", path);
  // A detections file covering many images keeps only this image's boxes (by COCO image id).
  int64_t id = -1;
  try {
    id = post::image_id_from_path(image);
  } catch (const std::exception&) {
  }
  std::vector<Box> out;
  for (size_t i = 0; i < j.size(); ++i) {
    const auto& e = j[i];
    const nlohmann::json* bb = &e;
    double score = 1.0;
    if (e.is_object()) {
      HR_CHECK(e.contains("bbox"), "boxes file '{}': entry {} has no \"bbox\"", path, i);
      if (e.contains("category_id") && e["category_id"] != 1) continue;
      if (e.contains("image_id")) {
        HR_CHECK(id >= 0,
                 "boxes file '{}' lists boxes per image_id, but '{}' has no COCO image id in its "
                 "name: give a file with this image's boxes only",
                 path, image);
        if (e["image_id"] != id) continue;
      }
      if (e.contains("score")) score = e["score"].get<double>();
      bb = &e["bbox"];
    }
    HR_CHECK(bb->is_array() && bb->size() == 4,
             "boxes file '{}': entry {} must be [x, y, w, h] or {{\"bbox\": [x, y, w, h]}}", path, i);
    Box b{(*bb)[0].get<double>(), (*bb)[1].get<double>(), (*bb)[2].get<double>(),
          (*bb)[3].get<double>(), score};
    HR_CHECK(b.w > 0 && b.h > 0, "boxes file '{}': entry {} has a non-positive size", path, i);
    if (score >= thre) out.push_back(b);
  }
  return out;
}

std::vector<float> forward_nchw(net::PoseHighResolutionNet& net, const Tensor& in, Device device,
                                post::HeatmapShape* shape) {
  const Tensor out = net.forward(Var(in.to(device))).value().to(Device::CPU);
  return post::heatmaps_to_nchw(out, shape);
}

}  // namespace

int run_image(const cfg::Config& cfg, net::PoseHighResolutionNet& net, Device device,
              const ImageJob& job) {
  data::Image img = data::decode_image(job.image);
  std::vector<Box> boxes = job.boxes.empty()
                               ? std::vector<Box>{{0, 0, double(img.width), double(img.height), 1.0}}
                               : read_boxes(job.boxes, job.image, job.box_thre);
  const bool mpii = cfg.dataset.dataset == "mpii";
  const data::JointSet& joints = mpii ? data::mpii_joints() : data::coco_joints();
  const int J = joints.num_joints;
  HR_CHECK(cfg.model.num_joints == J, "MODEL.NUM_JOINTS {} does not match {} ({} joints)",
           cfg.model.num_joints, cfg.dataset.dataset, J);
  const int W = cfg.model.image_size.width, H = cfg.model.image_size.height;
  const int64_t N = static_cast<int64_t>(boxes.size());

  std::vector<post::KeypointPred> preds;
  std::vector<std::array<double, 2>> centers(N), scales(N);
  if (N > 0) {
    Tensor batch = Tensor::empty(Shape{N, H, W, 3});
    float* dst = batch.data<float>();
    for (int64_t k = 0; k < N; ++k) {
      const Box& b = boxes[k];
      data::coco_box_to_center_scale(b.x, b.y, b.w, b.h, double(W) / H, centers[k], scales[k]);
      const auto t = data::get_affine_transform(centers[k], scales[k], 0.0, W, H);
      data::warp_normalize(img, t, W, H, dst + k * int64_t(W) * H * 3);
    }
    net.eval();
    NoGradGuard no_grad;
    post::HeatmapShape shape{};
    std::vector<float> hm = forward_nchw(net, batch, device, &shape);
    if (cfg.test.flip_test) {
      post::HeatmapShape fshape{};
      const auto flipped = forward_nchw(net, post::flip_width(batch), device, &fshape);
      post::merge_flip_test(hm.data(), flipped.data(), shape, joints.flip_pairs,
                            cfg.test.shift_heatmap);
    }
    preds = post::get_final_preds(hm.data(), shape, centers, scales,
                                  cfg.test.post_process ? post::PostProcess::Default
                                                        : post::PostProcess::None);
  }

  nlohmann::json people = nlohmann::json::array();
  data::Image canvas = img;
  const double thr = cfg.test.in_vis_thre > 0 ? cfg.test.in_vis_thre : 0.2;
  for (int64_t k = 0; k < N; ++k) {
    std::vector<std::array<float, 2>> xy(J);
    std::vector<float> sc(J);
    nlohmann::json kp = nlohmann::json::array();
    for (int j = 0; j < J; ++j) {
      const auto& p = preds[size_t(k) * J + j];
      xy[j] = {p.x, p.y};
      sc[j] = p.score;
      kp.push_back(p.x);
      kp.push_back(p.y);
      kp.push_back(p.score);
    }
    const Box& b = boxes[k];
    const std::span<const post::KeypointPred> mine(preds.data() + size_t(k) * J, size_t(J));
    people.push_back({{"bbox", {b.x, b.y, b.w, b.h}},
                      {"box_score", b.score},
                      {"score", post::rescore(mine, b.score, thr)},
                      {"center", {centers[k][0], centers[k][1]}},
                      {"scale", {scales[k][0], scales[k][1]}},
                      {"keypoints", kp}});
    if (!job.boxes.empty()) draw::rectangle(canvas, b.x, b.y, b.w, b.h, 1.5, {200, 200, 200});
    draw::person(canvas, xy, sc, thr, int(k));
  }
  if (!job.out_png.empty()) data::write_png(job.out_png, canvas);
  if (!job.out_json.empty()) {
    const std::string text = people.dump(2) + "\n";
    io::write_file_atomic(job.out_json, text);
  }
  fmt::print(stderr, "{}: {} people{}{}\n", job.image, N,
             job.out_png.empty() ? "" : ", picture " + job.out_png,
             job.out_json.empty() ? "" : ", keypoints " + job.out_json);
  return static_cast<int>(N);
}

}  // namespace hr::app::infer
