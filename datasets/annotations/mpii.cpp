#include "datasets/annotations/mpii.h"

#include <filesystem>

#include "datasets/annotations/json_stream.h"
#include "engine/error.h"

namespace hr::data {

using nlohmann::json;
using detail::ElemCtx;

namespace {
constexpr int kMpiiJoints = 16;
}

std::vector<PoseRecord> load_mpii(const std::string& root, const std::string& image_set) {
  const std::filesystem::path r(root);
  return load_mpii_file((r / "annot" / (image_set + ".json")).string(), (r / "images").string(),
                        image_set != "test");
}

std::vector<PoseRecord> load_mpii_file(const std::string& json_file, const std::string& image_dir,
                                       bool with_joints) {
  std::vector<PoseRecord> out;
  std::vector<double> nums;
  const std::vector<detail::StreamSection> sections = {
      {"", {"image", "center", "scale", "joints", "joints_vis"}, true}};
  detail::stream_json(json_file, sections, [&](size_t, size_t index, json& e) {
    const ElemCtx c{json_file, "entries", index};
    detail::require_object(e, c);
    PoseRecord r;
    r.image = (std::filesystem::path(image_dir) / detail::get_string(e, "image", c)).string();
    r.image_id = static_cast<int64_t>(index);
    detail::get_numbers(e, "center", 2, c, nums);
    double cx = nums[0], cy = nums[1];
    double s = detail::get_number(e, "scale", c);
    if (cx != -1) {  // enlarge a little so that limbs are not cropped
      cy += 15 * s;
      s *= 1.25;
    }
    r.center = {cx - 1, cy - 1};
    r.scale = {s, s};
    r.joints.assign(kMpiiJoints, {0.0, 0.0, 0.0});
    r.joints_vis.assign(kMpiiJoints, {0.0, 0.0, 0.0});
    if (with_joints) {
      const json& joints = detail::require_field(e, "joints", c);
      HR_CHECK(joints.is_array() && joints.size() == kMpiiJoints,
               "{}: entries[{}]: field 'joints' must be an array of {} [x, y] pairs", json_file,
               index, kMpiiJoints);
      for (int j = 0; j < kMpiiJoints; ++j) {
        const json& p = joints[j];
        HR_CHECK(p.is_array() && p.size() >= 2 && p[0].is_number() && p[1].is_number(),
                 "{}: entries[{}]: joints[{}] must be [x, y] numbers", json_file, index, j);
        r.joints[j] = {p[0].get<double>() - 1, p[1].get<double>() - 1, 0.0};
      }
      detail::get_numbers(e, "joints_vis", kMpiiJoints, c, nums);
      for (int j = 0; j < kMpiiJoints; ++j) r.joints_vis[j] = {nums[j], nums[j], 0.0};
    }
    r.score = 1.0;
    r.area = 0.0;
    out.push_back(std::move(r));
  });
  return out;
}

}  // namespace hr::data
