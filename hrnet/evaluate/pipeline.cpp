#include "hrnet/evaluate/pipeline.h"

#include <fmt/format.h>

#include <array>
#include <chrono>
#include <cmath>

#include "datasets/eval/coco/coco_eval.h"
#include "datasets/eval/coco/coco_files.h"
#include "datasets/eval/mpii/pckh.h"
#include "datasets/eval/postprocess/decode.h"
#include "datasets/eval/postprocess/flip.h"
#include "datasets/eval/postprocess/heatmaps.h"
#include "datasets/eval/postprocess/nms.h"
#include "datasets/eval/postprocess/results_json.h"
#include "datasets/pipeline/loader.h"
#include "engine/autograd.h"
#include "engine/upload.h"
#include "engine/error.h"
#include "hrnet/train/data_config.h"

namespace hr::evaluate {
namespace fs = std::filesystem;
namespace post = data::post;

namespace {

// The official name_value lists and their order.
constexpr std::array<const char*, 10> kCocoNames = {"AP",     "Ap .5",  "AP .75", "AP (M)",
                                                    "AP (L)", "AR",     "AR .5",  "AR .75",
                                                    "AR (M)", "AR (L)"};

// function.py `_print_name_value`: a markdown table, arch names over 15 characters cut.
std::string name_value_table(const std::vector<std::pair<std::string, double>>& values,
                             const std::string& arch) {
  std::string head = "| Arch ", rule = "|---", row;
  for (const auto& [name, v] : values) {
    head += "| " + name + " ";
    rule += "|---";
  }
  const std::string shown = arch.size() > 15 ? arch.substr(0, 8) + "..." : arch;
  row = "| " + shown + " ";
  for (const auto& [name, v] : values) row += fmt::format("| {:.3f} ", v);
  return head + "|\n" + rule + "|\n" + row + "|\n";
}

// Heatmaps on the CPU as NCHW floats, checked finite.
std::vector<float> run_network(const HeatmapFn& fn, const Tensor& input_nhwc,
                               const data::Batch& b, post::HeatmapShape* shape) {
  const Tensor out = fn(b, input_nhwc).to(Device::CPU);
  std::vector<float> hm = post::heatmaps_to_nchw(out, shape);
  const size_t per = shape->joints * shape->map_size();
  for (size_t i = 0; i < hm.size(); ++i)
    HR_CHECK(std::isfinite(hm[i]), "evaluation: the network's heatmaps for '{}' are not finite",
             b.meta[i / per].image);
  return hm;
}

class ProgressLine {
 public:
  ProgressLine(std::FILE* out, int64_t total) : out_(out), total_(total) {}
  void update(int64_t done, double secs) {
    if (!out_) return;
    const int64_t step = std::max<int64_t>(1, total_ / 20);
    if (done < total_ && done / step == last_ / step) return;
    last_ = done;
    const double rate = secs > 0 ? done / secs : 0.0;
    const double eta = rate > 0 ? (total_ - done) / rate : 0.0;
    fmt::print(out_, "test: [{}/{}] {:.0f}%  {:.1f} samples/s  ETA {:.0f} s\n", done, total_,
               100.0 * done / std::max<int64_t>(1, total_), rate, eta);
    std::fflush(out_);
  }

 private:
  std::FILE* out_;
  int64_t total_;
  int64_t last_ = -1;
};

// The official reads annot/gt_valid.mat; a JSON transcription of it is accepted too.
fs::path mpii_gt_file(const cfg::Config& cfg) {
  const fs::path annot = fs::path(cfg.dataset.root) / "annot";
  const fs::path mat = annot / ("gt_" + cfg.dataset.test_set + ".mat");
  const fs::path json = annot / ("gt_" + cfg.dataset.test_set + ".json");
  return fs::exists(mat) || !fs::exists(json) ? mat : json;
}

}  // namespace

bool metric_available(const cfg::Config& cfg) {
  if (cfg.dataset.test_set.find("test") != std::string::npos) return false;
  return !train::is_mpii(cfg) || fs::exists(mpii_gt_file(cfg));
}

EvalSummary evaluate_model(const cfg::Config& cfg, net::PoseHighResolutionNet& net,
                           const EvalOptions& opt) {
  net.eval();
  NoGradGuard no_grad;
  const Device device = opt.device;
  return evaluate_heatmaps(
      cfg,
      [&net, device](const data::Batch&, const Tensor& input) {
        return net.forward(Var(input.to(device))).value();  // input is there already: no copy
      },
      opt);
}

EvalSummary evaluate_heatmaps(const cfg::Config& cfg, const HeatmapFn& heatmaps,
                              const EvalOptions& opt) {
  const auto t0 = std::chrono::steady_clock::now();
  const bool mpii = train::is_mpii(cfg);
  auto records = train::load_records(cfg, /*train=*/false, /*detections=*/true);
  HR_CHECK(!records.empty(), "evaluation: DATASET.TEST_SET {} under {} has no records",
           cfg.dataset.test_set, cfg.dataset.root);
  if (opt.max_samples >= 0 && int64_t(records.size()) > opt.max_samples)
    records.resize(static_cast<size_t>(opt.max_samples));
  const int64_t n = static_cast<int64_t>(records.size());
  const auto so = train::sample_options(cfg, /*train=*/false);
  data::DataLoader loader(std::move(records), so, train::loader_options(cfg, false));
  const data::JointSet& joints = so.joint_set;
  const int J = joints.num_joints;

  const post::PostProcess mode = opt.dark                ? post::PostProcess::Dark
                                 : cfg.test.post_process ? post::PostProcess::Default
                                                         : post::PostProcess::None;
  std::vector<post::PoseInstance> instances;                      // COCO
  std::vector<std::array<float, 2>> mpii_preds(size_t(n) * J);  // MPII, dataset order

  ProgressLine progress(opt.progress, n);
  int64_t done = 0;
  loader.start_epoch(0);
  // One batch ahead, as in training: batch t+1 (and its mirror for the flip test) is uploaded
  // to options.device on the copy stream while batch t runs (engine/upload.h).
  const auto upload = [&](const data::Batch& batch) {
    std::vector<Tensor> host{batch.input};
    if (cfg.test.flip_test) host.push_back(post::flip_width(batch.input));
    return Upload::start(host, opt.device);
  };
  std::optional<data::Batch> b = loader.next();
  Upload uploaded = b ? upload(*b) : Upload{};
  while (b) {
    const std::vector<Tensor> input = uploaded.take();
    std::optional<data::Batch> next = loader.next();
    Upload next_uploaded = next ? upload(*next) : Upload{};
    post::HeatmapShape shape{};
    std::vector<float> hm = run_network(heatmaps, input[0], *b, &shape);
    if (cfg.test.flip_test) {
      post::HeatmapShape fshape{};
      const std::vector<float> flipped = run_network(heatmaps, input[1], *b, &fshape);
      post::merge_flip_test(hm.data(), flipped.data(), shape, joints.flip_pairs,
                            cfg.test.shift_heatmap);
    }
    const int64_t B = b->size();
    std::vector<std::array<double, 2>> centers(B), scales(B);
    std::vector<double> scores(B);
    std::vector<int64_t> ids(B);
    for (int64_t k = 0; k < B; ++k) {
      centers[k] = b->meta[k].center;
      scales[k] = b->meta[k].scale;
      scores[k] = b->meta[k].score;
      ids[k] = b->meta[k].image_id;
    }
    const auto preds =
        post::get_final_preds(hm.data(), shape, centers, scales, mode, opt.dark_kernel);
    if (mpii) {
      for (int64_t k = 0; k < B; ++k)
        for (int j = 0; j < J; ++j) {
          const auto& p = preds[size_t(k) * J + j];
          mpii_preds[size_t(b->meta[k].index) * J + j] = {p.x, p.y};
        }
    } else {
      auto batch = post::make_instances(preds, J, centers, scales, scores, ids);
      instances.insert(instances.end(), std::make_move_iterator(batch.begin()),
                       std::make_move_iterator(batch.end()));
    }
    done += B;
    progress.update(done, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    b = std::move(next);
    uploaded = std::move(next_uploaded);
  }

  EvalSummary s;
  s.dataset = mpii ? "mpii" : "coco";
  s.samples = done;
  fs::create_directories(opt.output_dir);
  const std::string arch = cfg.model.name;
  const std::string& set = cfg.dataset.test_set;
  if (mpii) {
    s.results_file = opt.output_dir / "pred.mat";
    data::write_pred_mat(s.results_file.string(), mpii_preds);
    const fs::path gt = mpii_gt_file(cfg);
    if (!metric_available(cfg)) {
      s.table = fmt::format("no PCKh: {} not found (predictions written to {})\n",
                            (fs::path(cfg.dataset.root) / "annot" / ("gt_" + set + ".mat")).string(),
                            s.results_file.string());
    } else {
      const auto table = data::evaluate_pckh(data::load_mpii_gt(gt.string()), mpii_preds);
      s.values = table.name_values();
      s.metric_name = "PCKh";
      s.metric = table.mean;
      s.table = data::format_pckh_table(table, arch);
    }
  } else {
    post::CocoNmsOptions nms;
    nms.in_vis_thre = cfg.test.in_vis_thre;
    nms.oks_thre = cfg.test.oks_thre;
    nms.soft_nms = cfg.test.soft_nms;
    const auto kept = post::coco_nms(std::move(instances), nms);
    fs::create_directories(opt.output_dir / "results");
    s.results_file = opt.output_dir / "results" / ("keypoints_" + set + "_results_0.json");
    post::write_coco_results(s.results_file.string(), kept);
    const fs::path gt =
        fs::path(cfg.dataset.root) / "annotations" / ("person_keypoints_" + set + ".json");
    if (!metric_available(cfg)) {
      // The official evaluate returns no metric for test-dev: its GT is not public.
      s.table = fmt::format("no AP for {}: results written to {}\n", set, s.results_file.string());
    } else {
      const auto inputs = data::cocoeval::load_eval_inputs(gt.string(), s.results_file.string());
      const auto r = data::cocoeval::evaluate(inputs.gt, inputs.dts);
      for (size_t i = 0; i < kCocoNames.size(); ++i) s.values.emplace_back(kCocoNames[i], r.stats[i]);
      s.metric_name = "AP";
      s.metric = r.stats[0];
      s.table = data::cocoeval::format_summary(r) + name_value_table(s.values, arch);
    }
  }
  s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return s;
}

}  // namespace hr::evaluate
