#include "datasets/eval/postprocess/results_json.h"

#include <nlohmann/json.hpp>

#include <cctype>
#include <charconv>
#include <cmath>

#include "engine/error.h"
#include "engine/io/file.h"

namespace hr::data::post {

int64_t image_id_from_path(std::string_view path) {
  // Python's slice [-16:-4]: clamped at the start, empty when the string is shorter than 4.
  const size_t end = path.size() >= 4 ? path.size() - 4 : 0;
  const size_t begin = path.size() >= 16 ? path.size() - 16 : 0;
  std::string_view s = path.substr(begin, end - begin);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  bool negative = false;
  if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  int64_t v = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  HR_CHECK(!s.empty() && ec == std::errc() && ptr == s.data() + s.size(),
           "image_id_from_path: '{}' has no image id in its last 12 characters before the "
           "extension (the official int(path[-16:-4]))",
           path);
  return negative ? -v : v;
}

namespace {

double finite(double v, size_t instance, const char* field) {
  HR_CHECK(std::isfinite(v), "coco results: instance {} has a non-finite {} ({})", instance, field,
           v);
  return v;
}

}  // namespace

std::string coco_results_text(std::span<const PoseInstance> instances, int category_id) {
  nlohmann::json list = nlohmann::json::array();
  for (size_t i = 0; i < instances.size(); ++i) {
    const PoseInstance& p = instances[i];
    nlohmann::json kp = nlohmann::json::array();
    for (const KeypointPred& k : p.keypoints) {
      kp.push_back(finite(k.x, i, "keypoint x"));
      kp.push_back(finite(k.y, i, "keypoint y"));
      kp.push_back(finite(k.score, i, "keypoint score"));
    }
    // nlohmann::json objects keep their keys sorted: the official sort_keys=True.
    nlohmann::json o;
    o["image_id"] = p.image_id;
    o["category_id"] = category_id;
    o["keypoints"] = std::move(kp);
    o["score"] = finite(p.score, i, "score");
    o["center"] = {finite(p.center[0], i, "center"), finite(p.center[1], i, "center")};
    o["scale"] = {finite(p.scale[0], i, "scale"), finite(p.scale[1], i, "scale")};
    list.push_back(std::move(o));
  }
  return list.dump(4);
}

void write_coco_results(const std::string& path, std::span<const PoseInstance> instances,
                        int category_id) {
  const std::string text = coco_results_text(instances, category_id);
  io::write_file_atomic(path, text);
}

}  // namespace hr::data::post
