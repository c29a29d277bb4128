// Ground truth for COCO keypoint evaluation, read as pycocotools' COCO(annotation_file) sees
// it. Unlike datasets/annotations/coco.h (which builds the training `db` and drops crowd and
// zero-keypoint people), this keeps every annotation: the evaluator needs crowd regions,
// zero-keypoint people (ignored GT) and annotations of any category.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hr::data::cocoeval {

inline constexpr int kNumKeypoints = 17;
inline constexpr int kKeypointValues = 3 * kNumKeypoints;  // x, y, v per keypoint
using Keypoints = std::array<double, kKeypointValues>;

struct GtAnnotation {
  int64_t id = 0;
  int64_t image_id = 0;
  int64_t category_id = 0;
  // pycocotools uses iscrowd twice: its truth value marks the GT ignored, int(iscrowd) lets
  // the GT be matched repeatedly. Both come from this value (usually 0 or 1).
  double iscrowd = 0;
  double num_keypoints = 0;  // only "== 0" matters (ignored GT)
  double area = 0;           // the annotation's area field: area ranges use it, OKS scales by it
  std::array<double, 4> bbox{};  // x, y, w, h: the OKS box-distance branch uses it
  Keypoints keypoints{};
};

struct GroundTruth {
  std::string file;                      // where it came from, for messages
  std::vector<int64_t> image_ids;        // sorted, unique (pycocotools' params.imgIds)
  std::vector<int64_t> category_ids;     // sorted, unique (params.catIds)
  std::vector<GtAnnotation> annotations; // file order
  bool has_image(int64_t id) const;
};

// Reads a COCO keypoints annotation file. Required: "images" (each with an integer "id") and
// "categories" (each with an integer "id"); "annotations" may be absent. Every annotation
// needs id, image_id, category_id, iscrowd, num_keypoints, area, bbox (4 numbers) and
// keypoints (51 numbers); other fields (segmentation, ...) are skipped unread. Errors name
// the file, the array, the element index and the field. Duplicate annotation ids are refused
// (pycocotools would silently evaluate one annotation twice).
GroundTruth load_ground_truth(const std::string& path);
// The same from JSON text already in memory; `name` is used in messages.
GroundTruth parse_ground_truth(std::string_view text, const std::string& name);

}  // namespace hr::data::cocoeval
