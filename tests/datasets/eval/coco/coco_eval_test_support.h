// Shared by the COCO evaluation tests: the golden cases made by pycocotools
// (tests/reference/make_coco_eval_golden.py -> tests/fixtures/coco_eval/golden.json), and
// small in-memory GT / detections for the hand-made rule tests.
#pragma once
#include <array>
#include <string>
#include <vector>

#include "datasets/eval/coco/coco_eval.h"

namespace hr::test::cocoeval {

struct GoldenCase {
  std::string name;
  std::string gt_path;       // resolved: fixture file or the shared coco-mini annotations
  std::string results_path;
  std::array<double, 10> stats{};
};

std::string fixture_dir();                 // tests/fixtures/coco_eval
std::vector<GoldenCase> golden_cases();    // every case of golden.json

// A person with the given labelled keypoints (joint index, x, y), v = 2, the others (0,0,0).
data::cocoeval::GtAnnotation person(int64_t id, int64_t image_id, double area, std::array<double, 4> bbox,
                                    const std::vector<std::array<double, 3>>& joints);
// A detection at the GT's keypoints shifted by (dx, dy) (every joint, labelled or not).
data::cocoeval::KeypointResult detection_at(const data::cocoeval::GtAnnotation& g, double score, double dx = 0,
                                            double dy = 0);
// A GT set over the given image ids and category 1.
data::cocoeval::GroundTruth ground_truth(std::vector<int64_t> image_ids, std::vector<data::cocoeval::GtAnnotation> anns);

// Writes text to a file (bad-input tests).
void write_text(const std::string& path, const std::string& text);

}  // namespace hr::test::cocoeval
