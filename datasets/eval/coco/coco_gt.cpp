#include "datasets/eval/coco/coco_gt.h"

#include <algorithm>
#include <unordered_set>

#include "datasets/eval/coco/json_cursor.h"
#include "datasets/eval/coco/json_fields.h"
#include "engine/error.h"
#include "engine/io/file.h"

namespace hr::data::cocoeval {

using detail::JsonCursor;
using detail::JsonType;
using detail::Where;

bool GroundTruth::has_image(int64_t id) const {
  return std::binary_search(image_ids.begin(), image_ids.end(), id);
}

namespace {

// "images" or "categories": only the ids matter to the evaluator.
void read_ids(JsonCursor& c, const char* array, std::vector<int64_t>& ids) {
  if (c.peek() != JsonType::Array) fail("{}: \"{}\" is not an array", c.file(), array);
  c.begin_array();
  bool first = true;
  std::string key;
  for (size_t i = 0; c.next_element(first); ++i) {
    const Where w{array, i};
    if (c.peek() != JsonType::Object) fail("{}: {}[{}] is not an object", c.file(), array, i);
    c.begin_object();
    bool first_member = true, seen = false;
    int64_t id = 0;
    while (c.next_member(first_member, key)) {
      if (key == "id") {
        id = detail::read_id(c, w, "id");
        seen = true;
      } else {
        c.skip_value();
      }
    }
    if (!seen) fail("{}: {}[{}] has no \"id\"", c.file(), array, i);
    ids.push_back(id);
  }
}

enum Field : unsigned {
  kId = 1, kImage = 2, kCategory = 4, kCrowd = 8, kNumKpts = 16, kArea = 32, kBbox = 64, kKpts = 128,
  kAll = 255
};
constexpr const char* kFieldNames[] = {"id", "image_id", "category_id", "iscrowd",
                                       "num_keypoints", "area", "bbox", "keypoints"};

void read_annotations(JsonCursor& c, std::vector<GtAnnotation>& out) {
  if (c.peek() != JsonType::Array) fail("{}: \"annotations\" is not an array", c.file());
  c.begin_array();
  bool first = true;
  std::string key;
  std::vector<double> nums;
  for (size_t i = 0; c.next_element(first); ++i) {
    const Where w{"annotations", i};
    if (c.peek() != JsonType::Object) fail("{}: annotations[{}] is not an object", c.file(), i);
    c.begin_object();
    GtAnnotation a;
    unsigned seen = 0;
    bool first_member = true;
    while (c.next_member(first_member, key)) {
      if (key == "id") {
        a.id = detail::read_id(c, w, "id"), seen |= kId;
      } else if (key == "image_id") {
        a.image_id = detail::read_id(c, w, "image_id"), seen |= kImage;
      } else if (key == "category_id") {
        a.category_id = detail::read_id(c, w, "category_id"), seen |= kCategory;
      } else if (key == "iscrowd") {
        a.iscrowd = detail::read_number(c, w, "iscrowd"), seen |= kCrowd;
      } else if (key == "num_keypoints") {
        a.num_keypoints = detail::read_number(c, w, "num_keypoints"), seen |= kNumKpts;
      } else if (key == "area") {
        a.area = detail::read_number(c, w, "area"), seen |= kArea;
      } else if (key == "bbox") {
        detail::read_numbers(c, w, "bbox", 4, nums);
        std::copy(nums.begin(), nums.end(), a.bbox.begin());
        seen |= kBbox;
      } else if (key == "keypoints") {
        detail::read_numbers(c, w, "keypoints", kKeypointValues, nums);
        std::copy(nums.begin(), nums.end(), a.keypoints.begin());
        seen |= kKpts;
      } else {
        c.skip_value();
      }
    }
    if (seen != kAll) {
      for (unsigned b = 0; b < 8; ++b)
        if (!(seen & (1u << b))) fail("{}: annotations[{}] has no \"{}\"", c.file(), i, kFieldNames[b]);
    }
    out.push_back(a);
  }
}

void sort_unique(std::vector<int64_t>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

}  // namespace

GroundTruth parse_ground_truth(std::string_view text, const std::string& name) {
  GroundTruth gt;
  gt.file = name;
  JsonCursor c(text, name);
  if (c.peek() != JsonType::Object) fail("{}: the top level is not a JSON object (a COCO annotation file is)", name);
  c.begin_object();
  bool first = true, has_images = false, has_categories = false;
  std::string key;
  while (c.next_member(first, key)) {
    // A repeated key replaces the earlier value, as in Python's json.
    if (key == "images") {
      gt.image_ids.clear();
      read_ids(c, "images", gt.image_ids);
      has_images = true;
    } else if (key == "categories") {
      gt.category_ids.clear();
      read_ids(c, "categories", gt.category_ids);
      has_categories = true;
    } else if (key == "annotations") {
      gt.annotations.clear();
      read_annotations(c, gt.annotations);
    } else {
      c.skip_value();
    }
  }
  c.expect_end();
  HR_CHECK(has_images, "{}: no \"images\" array", name);
  HR_CHECK(has_categories, "{}: no \"categories\" array", name);
  sort_unique(gt.image_ids);
  sort_unique(gt.category_ids);
  std::unordered_set<int64_t> ids;
  ids.reserve(gt.annotations.size() * 2);
  for (size_t i = 0; i < gt.annotations.size(); ++i)
    HR_CHECK(ids.insert(gt.annotations[i].id).second, "{}: annotations[{}].id {} is used by an earlier annotation",
             name, i, gt.annotations[i].id);
  return gt;
}

GroundTruth load_ground_truth(const std::string& path) {
  const io::MappedFile file(path);  // a missing file is an error naming it
  const auto bytes = file.bytes();
  return parse_ground_truth(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()), path);
}

}  // namespace hr::data::cocoeval
