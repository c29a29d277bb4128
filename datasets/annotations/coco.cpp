#include "datasets/annotations/coco.h"

#include <algorithm>
#include <filesystem>

#include "datasets/annotations/json_stream.h"
#include "engine/error.h"

namespace hr::data {

using nlohmann::json;
using detail::ElemCtx;

namespace {

constexpr double kPixelStd = 200.0;
constexpr int kCocoJoints = 17;

std::string join_path(const std::string& dir, const std::string& name) {
  return (std::filesystem::path(dir) / name).string();
}

double aspect_of(ImageSize s, const std::string& what) {
  HR_CHECK(s[0] > 0 && s[1] > 0, "{}: image size must be positive, got {}x{}", what, s[0], s[1]);
  return static_cast<double>(s[0]) / static_cast<double>(s[1]);
}

// A person annotation that passed the per-annotation rules; the box clean-up needs the image
// size, which may appear later in the file.
struct Pending {
  int64_t image_id;
  size_t index;  // position in the annotations array
  std::array<double, 4> bbox;
  PoseRecord rec;
};

CocoImage parse_image(const json& e, const ElemCtx& c, const std::string& image_dir) {
  detail::require_object(e, c);
  CocoImage im;
  im.id = detail::get_int(e, "id", c);
  im.file_name = detail::get_string(e, "file_name", c);
  const int64_t w = detail::get_int(e, "width", c);
  const int64_t h = detail::get_int(e, "height", c);
  HR_CHECK(w > 0 && h > 0 && w < (1 << 30) && h < (1 << 30),
           "{}: images[{}]: width/height must be positive, got {}x{}", c.file, c.index, w, h);
  im.width = static_cast<int>(w);
  im.height = static_cast<int>(h);
  im.path = join_path(image_dir, im.file_name);
  return im;
}

CocoCategory parse_category(const json& e, const ElemCtx& c) {
  detail::require_object(e, c);
  CocoCategory cat;
  cat.id = detail::get_int(e, "id", c);
  cat.name = detail::get_string(e, "name", c);
  if (e.contains("supercategory")) cat.supercategory = detail::get_string(e, "supercategory", c);
  if (e.contains("keypoints")) {
    const json& k = e["keypoints"];
    HR_CHECK(k.is_array(), "{}: categories[{}]: field 'keypoints' must be an array", c.file,
             c.index);
    for (size_t i = 0; i < k.size(); ++i) {
      HR_CHECK(k[i].is_string(), "{}: categories[{}]: keypoints[{}] must be a string", c.file,
               c.index, i);
      cat.keypoints.push_back(k[i].get<std::string>());
    }
  }
  if (e.contains("skeleton")) {
    const json& s = e["skeleton"];
    HR_CHECK(s.is_array(), "{}: categories[{}]: field 'skeleton' must be an array", c.file,
             c.index);
    for (size_t i = 0; i < s.size(); ++i) {
      HR_CHECK(s[i].is_array() && s[i].size() == 2 && s[i][0].is_number_integer() &&
                   s[i][1].is_number_integer(),
               "{}: categories[{}]: skeleton[{}] must be a pair of integers", c.file, c.index, i);
      cat.skeleton.push_back({s[i][0].get<int>(), s[i][1].get<int>()});
    }
  }
  return cat;
}

}  // namespace

const CocoImage* CocoImageIndex::find(int64_t id) const {
  auto it = by_id.find(id);
  return it == by_id.end() ? nullptr : &list[it->second];
}

void coco_box_to_center_scale(double x, double y, double w, double h, double aspect_ratio,
                              std::array<double, 2>& center, std::array<double, 2>& scale) {
  // numpy stores centre and scale in float32 arrays; the arithmetic before the store is in
  // double (Python floats), and the x1.25 is a float32 multiply (exact in double, then rounded).
  const float cx = static_cast<float>(x + w * 0.5);
  const float cy = static_cast<float>(y + h * 0.5);
  if (w > aspect_ratio * h) {
    h = w * 1.0 / aspect_ratio;
  } else if (w < aspect_ratio * h) {
    w = h * aspect_ratio;
  }
  float sx = static_cast<float>(w / kPixelStd);
  float sy = static_cast<float>(h / kPixelStd);
  if (cx != -1.0f) {
    sx = static_cast<float>(static_cast<double>(sx) * 1.25);
    sy = static_cast<float>(static_cast<double>(sy) * 1.25);
  }
  center = {cx, cy};
  scale = {sx, sy};
}

CocoSet load_coco_gt(const std::string& root, const std::string& image_set, ImageSize image_size) {
  const std::string ann = join_path(join_path(root, "annotations"),
                                    "person_keypoints_" + image_set + ".json");
  return load_coco_keypoints(ann, join_path(join_path(root, "images"), image_set), image_size);
}

CocoSet load_coco_keypoints(const std::string& annotation_file, const std::string& image_dir,
                            ImageSize image_size) {
  const double aspect = aspect_of(image_size, annotation_file);
  CocoSet set;
  set.annotation_file = annotation_file;
  set.image_dir = image_dir;
  std::vector<Pending> pending;
  std::vector<double> nums;

  const std::vector<detail::StreamSection> sections = {
      {"images", {"id", "file_name", "width", "height"}, true},
      {"annotations",
       {"image_id", "category_id", "iscrowd", "bbox", "area", "keypoints", "num_keypoints"},
       true},
      {"categories", {}, true},
  };
  const std::string& file = annotation_file;
  detail::stream_json(file, sections, [&](size_t section, size_t index, json& e) {
    if (section == 0) {
      CocoImage im = parse_image(e, ElemCtx{file, "images", index}, image_dir);
      const bool fresh = set.images.by_id.emplace(im.id, set.images.list.size()).second;
      HR_CHECK(fresh, "{}: images[{}]: duplicate image id {}", file, index, im.id);
      set.images.list.push_back(std::move(im));
      return;
    }
    if (section == 2) {
      set.categories.push_back(parse_category(e, ElemCtx{file, "categories", index}));
      return;
    }
    const ElemCtx c{file, "annotations", index};
    ++set.num_annotations;
    detail::require_object(e, c);
    const int64_t image_id = detail::get_int(e, "image_id", c);
    const int64_t category_id = detail::get_int(e, "category_id", c);
    const json& crowd = detail::require_field(e, "iscrowd", c);
    HR_CHECK(crowd.is_number() || crowd.is_boolean(),
             "{}: annotations[{}]: field 'iscrowd' must be a number, got {}", file, index,
             crowd.type_name());
    const bool is_crowd = crowd.is_boolean() ? crowd.get<bool>() : crowd.get<double>() != 0.0;
    if (is_crowd || category_id != 1) return;  // getAnnIds(iscrowd=False); person class only

    Pending p;
    p.image_id = image_id;
    p.index = index;
    detail::get_numbers(e, "bbox", 4, c, nums);
    std::copy(nums.begin(), nums.end(), p.bbox.begin());
    p.rec.area = detail::get_number(e, "area", c);
    detail::get_numbers(e, "keypoints", 3 * kCocoJoints, c, nums);
    if (*std::max_element(nums.begin(), nums.end()) == 0.0) return;  // no keypoint labelled
    p.rec.image_id = image_id;
    p.rec.score = 1.0;
    p.rec.joints.resize(kCocoJoints);
    p.rec.joints_vis.resize(kCocoJoints);
    for (int j = 0; j < kCocoJoints; ++j) {
      p.rec.joints[j] = {nums[3 * j], nums[3 * j + 1], 0.0};
      const double v = std::min(nums[3 * j + 2], 1.0);  // 2 (visible) and 1 (occluded) -> 1
      p.rec.joints_vis[j] = {v, v, 0.0};
    }
    pending.push_back(std::move(p));
  });

  // Clean boxes against the image size (official sanitising), then order by image position.
  std::vector<size_t> image_pos(pending.size());
  std::vector<size_t> per_image(set.images.list.size() + 1, 0);
  std::vector<bool> keep(pending.size(), false);
  for (size_t i = 0; i < pending.size(); ++i) {
    Pending& p = pending[i];
    auto it = set.images.by_id.find(p.image_id);
    HR_CHECK(it != set.images.by_id.end(),
             "{}: annotations[{}]: image_id {} is not listed in 'images'", file, p.index,
             p.image_id);
    const CocoImage& im = set.images.list[it->second];
    const auto [x, y, w, h] = p.bbox;
    const double x1 = std::max(0.0, x);
    const double y1 = std::max(0.0, y);
    const double x2 = std::min(static_cast<double>(im.width - 1), x1 + std::max(0.0, w - 1));
    const double y2 = std::min(static_cast<double>(im.height - 1), y1 + std::max(0.0, h - 1));
    if (!(p.rec.area > 0 && x2 >= x1 && y2 >= y1)) continue;
    coco_box_to_center_scale(x1, y1, x2 - x1, y2 - y1, aspect, p.rec.center, p.rec.scale);
    p.rec.image = im.path;
    keep[i] = true;
    image_pos[i] = it->second;
    ++per_image[it->second + 1];
  }
  for (size_t k = 1; k < per_image.size(); ++k) per_image[k] += per_image[k - 1];
  set.db.resize(per_image.back());
  for (size_t i = 0; i < pending.size(); ++i) {
    if (keep[i]) set.db[per_image[image_pos[i]]++] = std::move(pending[i].rec);
  }
  return set;
}

std::vector<PoseRecord> load_coco_detections(const std::string& det_json,
                                             const CocoImageIndex& images, double image_thre,
                                             ImageSize image_size) {
  const double aspect = aspect_of(image_size, det_json);
  std::vector<PoseRecord> out;
  std::vector<double> box;
  const std::vector<detail::StreamSection> sections = {
      {"", {"image_id", "category_id", "bbox", "score"}, true}};
  detail::stream_json(det_json, sections, [&](size_t, size_t index, json& e) {
    const ElemCtx c{det_json, "detections", index};
    detail::require_object(e, c);
    if (detail::get_int(e, "category_id", c) != 1) return;
    const int64_t image_id = detail::get_int(e, "image_id", c);
    const CocoImage* im = images.find(image_id);
    HR_CHECK(im != nullptr, "{}: detections[{}]: image_id {} is not an image of the set", det_json,
             index, image_id);
    detail::get_numbers(e, "bbox", 4, c, box);
    const double score = detail::get_number(e, "score", c);
    if (score < image_thre) return;
    PoseRecord r;
    r.image = im->path;
    r.image_id = image_id;
    coco_box_to_center_scale(box[0], box[1], box[2], box[3], aspect, r.center, r.scale);
    r.joints.assign(kCocoJoints, {0.0, 0.0, 0.0});
    r.joints_vis.assign(kCocoJoints, {1.0, 1.0, 1.0});
    r.score = score;
    r.area = 0.0;
    out.push_back(std::move(r));
  });
  return out;
}

}  // namespace hr::data
