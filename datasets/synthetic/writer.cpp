// Writes a synthetic dataset in the COCO layout, atomically (temporary directory + rename).
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>

#include "datasets/synthetic/synth.h"
#include "engine/error.h"
#include "engine/random.h"
#include "kernels/common/thread_pool.h"

namespace hr::data::synth {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const char* const kJointNames[kNumJoints] = {
    "nose",       "left_eye",    "right_eye",  "left_ear",    "right_ear",  "left_shoulder",
    "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hip",
    "right_hip",  "left_knee",   "right_knee", "left_ankle",  "right_ankle"};

// COCO's skeleton (1-based joint ids), as the official annotation files list it.
const int kSkeleton[19][2] = {{16, 14}, {14, 12}, {17, 15}, {15, 13}, {12, 13}, {6, 12}, {7, 13},
                              {6, 7},   {6, 8},   {7, 9},   {8, 10},  {9, 11},  {2, 3},  {1, 2},
                              {1, 3},   {2, 4},   {3, 5},   {4, 6},   {5, 7}};

void write_bytes(const fs::path& path, const void* data, size_t n) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  HR_CHECK(f.good(), "synthetic: cannot create {}", path.string());
  f.write(static_cast<const char*>(data), std::streamsize(n));
  f.close();
  HR_CHECK(f.good(), "synthetic: write to {} failed", path.string());
}

void write_json(const fs::path& path, const json& j) {
  const std::string s = j.dump();
  write_bytes(path, s.data(), s.size());
}

json categories() {
  json kps = json::array(), sk = json::array();
  for (const char* n : kJointNames) kps.push_back(n);
  for (const auto& e : kSkeleton) sk.push_back({e[0], e[1]});
  return json::array({{{"id", 1}, {"name", "person"}, {"supercategory", "person"},
                       {"keypoints", kps}, {"skeleton", sk}}});
}

double round2(double v) { return std::round(v * 100.0) / 100.0; }

}  // namespace

std::string keypoints_json_path(bool val) {
  return val ? "annotations/person_keypoints_val2017.json" : "annotations/person_keypoints_train2017.json";
}

std::string image_path(bool val, int64_t image_id) {
  return fmt::format("images/{}/{:012d}.png", val ? "val2017" : "train2017", image_id);
}

DatasetSummary write_dataset(const std::string& dir, const DatasetOptions& opt) {
  HR_CHECK(opt.num_images >= 1 && opt.num_images <= 100000000,
           "synthetic: --images must be in [1, 1e8], got {}", opt.num_images);
  HR_CHECK(opt.val_fraction >= 0.0 && opt.val_fraction <= 1.0,
           "synthetic: --val-fraction must be in [0, 1], got {}", opt.val_fraction);
  HR_CHECK(!dir.empty(), "synthetic: empty output directory");
  const fs::path out = fs::absolute(fs::path(dir)).lexically_normal();
  const fs::path out_clean = out.has_filename() ? out : out.parent_path();
  if (fs::exists(out_clean)) {
    HR_CHECK(fs::is_directory(out_clean) && fs::is_empty(out_clean),
             "synthetic: output {} exists and is not an empty directory (remove it first)",
             out_clean.string());
  }
  const int64_t n = opt.num_images;
  int64_t n_val = 0;
  if (opt.val_fraction > 0) n_val = std::clamp<int64_t>(std::llround(double(n) * opt.val_fraction), 1, n);
  const int64_t first_val = n - n_val;

  const fs::path tmp = out_clean.parent_path() /
                       fmt::format("{}.tmp-{}", out_clean.filename().string(), int64_t(::getpid()));
  std::error_code ec;
  fs::remove_all(tmp, ec);
  try {
    fs::create_directories(tmp / "annotations");
    fs::create_directories(tmp / "images" / "train2017");
    fs::create_directories(tmp / "images" / "val2017");
    fs::create_directories(tmp / "person_detection_results");

    // Render and write the images on the thread pool; keep only the labels.
    std::vector<Scene> scenes(static_cast<size_t>(n));
    std::vector<std::exception_ptr> errors(static_cast<size_t>(n));
    hr::kern::parallel_for(n, 1, [&](int64_t b, int64_t e, int) {
      for (int64_t i = b; i < e; ++i) {
        try {
          Scene s = render_scene(opt.seed, i, opt.render);
          const std::vector<uint8_t> png = encode_png(s.image);
          write_bytes(tmp / image_path(i >= first_val, i + 1), png.data(), png.size());
          s.image.pixels.clear();
          s.image.pixels.shrink_to_fit();
          scenes[size_t(i)] = std::move(s);
        } catch (...) {
          errors[size_t(i)] = std::current_exception();
        }
      }
    });
    for (const auto& e : errors)
      if (e) std::rethrow_exception(e);

    DatasetSummary sum;
    json split[2];
    for (auto& j : split) {
      j = json::object();
      j["info"] = {{"description", "hrnet synthetic people"},
                   {"seed", opt.seed},
                   {"version", "1"}};
      j["licenses"] = json::array();
      j["images"] = json::array();
      j["annotations"] = json::array();
      j["categories"] = categories();
    }
    json dets = json::array();
    int64_t ann_id = 1;
    for (int64_t i = 0; i < n; ++i) {
      const bool val = i >= first_val;
      const Scene& s = scenes[size_t(i)];
      const int64_t image_id = i + 1;
      json& js = split[val ? 1 : 0];
      js["images"].push_back({{"id", image_id},
                              {"file_name", fmt::format("{:012d}.png", image_id)},
                              {"width", s.image.width},
                              {"height", s.image.height}});
      (val ? sum.val_images : sum.train_images) += 1;
      for (const PersonLabel& p : s.people) {
        json kps = json::array();
        for (const Keypoint& k : p.keypoints) {
          kps.push_back(k.x);
          kps.push_back(k.y);
          kps.push_back(k.v);
        }
        js["annotations"].push_back({{"id", ann_id++},
                                     {"image_id", image_id},
                                     {"category_id", 1},
                                     {"iscrowd", 0},
                                     {"bbox", {p.bbox[0], p.bbox[1], p.bbox[2], p.bbox[3]}},
                                     {"area", p.area},
                                     {"num_keypoints", p.num_keypoints},
                                     {"keypoints", kps}});
        (val ? sum.val_people : sum.train_people) += 1;
      }
      if (!val) continue;
      // Detections: every person found with a jittered box and a high score, plus a few
      // low-scoring false positives.
      Rng rng(image_seed(opt.seed, i) ^ 0xD37EC7ull);
      const double W = s.image.width, H = s.image.height;
      auto add = [&](double x, double y, double w, double h, double score) {
        x = std::clamp(x, 0.0, W - 2), y = std::clamp(y, 0.0, H - 2);
        w = std::clamp(w, 1.0, W - x), h = std::clamp(h, 1.0, H - y);
        dets.push_back({{"image_id", image_id},
                        {"category_id", 1},
                        {"bbox", {round2(x), round2(y), round2(w), round2(h)}},
                        {"score", round2(score)}});
        ++sum.detections;
      };
      for (const PersonLabel& p : s.people) {
        const double cx = p.bbox[0] + p.bbox[2] / 2 + rng.uniform(-0.06, 0.06) * p.bbox[2];
        const double cy = p.bbox[1] + p.bbox[3] / 2 + rng.uniform(-0.06, 0.06) * p.bbox[3];
        const double w = p.bbox[2] * rng.uniform(0.9, 1.15), h = p.bbox[3] * rng.uniform(0.9, 1.15);
        add(cx - w / 2, cy - h / 2, w, h, std::min(1.0, rng.uniform(0.51, 1.0) + 0.005));
      }
      const int fp = rng.uniform() < 0.4 ? int(rng.randint(3)) + 1 : 0;
      for (int k = 0; k < fp; ++k) {
        const double w = W * rng.uniform(0.05, 0.4), h = H * rng.uniform(0.1, 0.6);
        add(rng.uniform(0, W - w), rng.uniform(0, H - h), w, h, rng.uniform(0.02, 0.45));
      }
    }
    write_json(tmp / keypoints_json_path(false), split[0]);
    write_json(tmp / keypoints_json_path(true), split[1]);
    write_json(tmp / kDetectionsPath, dets);
    if (fs::exists(out_clean)) fs::remove(out_clean);  // an empty directory, checked above
    fs::rename(tmp, out_clean);
    return sum;
  } catch (...) {
    fs::remove_all(tmp, ec);
    throw;
  }
}

}  // namespace hr::data::synth
