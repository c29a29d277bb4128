// COCO keypoint evaluation (OKS AP/AR), equal to pycocotools' COCOeval(iouType='keypoints'):
// evaluate() + accumulate() + summarize() of cocoeval.py, with the same rules:
//   - GT is ignored when iscrowd or num_keypoints == 0, and per area range when its area
//     field is outside the range; ignored GT is sorted after the others (stable);
//   - per image, detections sorted by score (stable, ties keep file order), top max_dets;
//   - OKS over the GT's labelled keypoints, or, for a GT with none, from each detected
//     keypoint's distance to the GT box grown by its size on each side, over all 17;
//   - greedy matching per threshold in detection order: the best OKS (>= threshold, later
//     GT wins ties) among unmatched GT; crowd GT can be matched again; once a detection has
//     a non-ignored match, ignored GT are not considered; a detection matched to ignored GT
//     is ignored, and an unmatched one outside the area range is ignored;
//   - all images' detections of a category and area range sorted by score (stable, image
//     order then per-image order), cumulative TP/FP, precision made monotone from the right
//     and read at 101 recall points (searchsorted 'left'; 0 beyond the last recall);
//   - -1 for a category/area range with no evaluable image or no non-ignored GT, and the
//     summary means only the entries > -1 (-1 when there are none).
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "datasets/eval/coco/coco_gt.h"
#include "datasets/eval/coco/coco_results.h"

namespace hr::data::cocoeval {

struct AreaRange {
  std::string label;
  double lo = 0, hi = 0;  // a GT or detection area outside [lo, hi] is out of range
};

struct Params {
  std::array<double, kNumKeypoints> sigmas{};  // kpt_oks_sigmas
  std::vector<double> iou_thresholds;          // 0.50:0.05:0.95 as np.linspace computes them
  std::vector<double> recall_thresholds;       // 0:0.01:1, 101 points
  std::vector<AreaRange> area_ranges;          // all, medium, large
  int max_dets = 20;
  // pycocotools' keypoint defaults (Params.setKpParams).
  static Params keypoints();
};

// numpy.linspace(start, stop, num) value by value: i * ((stop - start) / (num - 1)) + start,
// the last one exactly stop. The summary finds 0.5 and 0.75 by exact equality, as
// pycocotools does, so these must be the same doubles.
std::vector<double> linspace(double start, double stop, int num);

// The OKS of one detection's keypoints against one GT (cocoeval.computeOks for one pair).
double compute_oks(const GtAnnotation& gt, const Keypoints& dt, const Params& params);

struct EvalResult {
  Params params;
  std::vector<int64_t> category_ids;
  size_t T = 0, R = 0, K = 0, A = 0;  // thresholds, recall points, categories, area ranges
  // precision[((t * R + r) * K + k) * A + a] and recall[(t * K + k) * A + a]; -1 = no data.
  // (pycocotools' M dimension has a single entry, max_dets.)
  std::vector<double> precision;
  std::vector<double> recall;
  std::array<double, 10> stats{};  // summarize(): AP, AP50, AP75, APm, APl, AR, AR50, AR75, ARm, ARl

  double precision_at(size_t t, size_t r, size_t k, size_t a) const { return precision[((t * R + r) * K + k) * A + a]; }
  double recall_at(size_t t, size_t k, size_t a) const { return recall[(t * K + k) * A + a]; }
};

// Evaluates `dts` (loadRes'd, see coco_results.h) against `gt` over all GT images and
// categories.
EvalResult evaluate(const GroundTruth& gt, const std::vector<Detection>& dts, const Params& params = Params::keypoints());

// pycocotools' summarize() for keypoints: the ten means of the precision / recall entries
// > -1 (-1 if none), at max_dets 20. evaluate() already fills EvalResult::stats with it.
std::array<double, 10> summarize(const EvalResult& r);

// Names of the ten summary numbers, in stats order: "AP", "AP50", ... "ARl".
extern const std::array<const char*, 10> kStatNames;

// The summary table exactly as pycocotools' summarize() prints it (ten lines).
std::string format_summary(const EvalResult& r);

// {"AP": ..., ..., "ARl": ...} with full-precision numbers, written through a temporary file.
void write_stats_json(const std::string& path, const std::array<double, 10>& stats);

}  // namespace hr::data::cocoeval
