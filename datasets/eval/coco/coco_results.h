// Keypoint results (the official results JSON: image_id, category_id, keypoints, score, ...)
// turned into evaluable detections by pycocotools' COCO.loadRes rules:
//   - every image_id must be an image of the GT file;
//   - ids are the 1-based positions in the file;
//   - if the FIRST result has a non-empty "bbox", every result's area is bbox w*h (loadRes'
//     bbox branch; keypoints still drive OKS); otherwise, for every result, bbox is the
//     extent of its 17 keypoints (all of them, also those at (0,0) with score 0) and area is
//     that box's w*h.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "datasets/eval/coco/coco_gt.h"

namespace hr::data::cocoeval {

// One entry of a results file.
struct KeypointResult {
  int64_t image_id = 0;
  int64_t category_id = 1;
  double score = 0;
  Keypoints keypoints{};       // x, y, score per joint
  bool has_bbox = false;       // a non-empty "bbox" was given
  std::array<double, 4> bbox{};
};

// A result as the evaluator sees it (loadRes applied).
struct Detection {
  int64_t id = 0;  // 1-based position in the results
  int64_t image_id = 0;
  int64_t category_id = 0;
  double score = 0;
  double area = 0;
  std::array<double, 4> bbox{};
  Keypoints keypoints{};
};

// Reads a results JSON file: a top-level array of objects, each with image_id, category_id,
// score and 51 keypoint numbers (other fields such as center/scale are skipped). Errors name
// the file, the result's index and the field; unknown image ids are an error.
std::vector<KeypointResult> read_results(const std::string& path);
std::vector<KeypointResult> parse_results(std::string_view text, const std::string& name);

// loadRes: checks image ids against `gt`, assigns ids, area and bbox. `source` names the
// results in messages.
std::vector<Detection> prepare_results(const std::vector<KeypointResult>& results, const GroundTruth& gt,
                                       const std::string& source);

// read_results + prepare_results.
std::vector<Detection> load_results(const std::string& path, const GroundTruth& gt);

// Writes results as a JSON array (image_id, category_id, keypoints, score, bbox if given), numbers printed
// so that they read back to the same doubles; through a temporary file renamed at the end.
void write_results(const std::string& path, const std::vector<KeypointResult>& results);

}  // namespace hr::data::cocoeval
