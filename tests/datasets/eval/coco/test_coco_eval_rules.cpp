// The evaluator's rules on small hand-made inputs whose numbers follow by hand.
#include <catch2/catch.hpp>

#include <cmath>

#include "coco_eval_test_support.h"

namespace ce = hr::data::cocoeval;
using namespace hr::test::cocoeval;

namespace {
// A large person (area 20000) with all 17 joints labelled on a line.
ce::GtAnnotation line_person(int64_t id, int64_t image_id, double x0) {
  std::vector<std::array<double, 3>> j;
  for (int k = 0; k < 17; ++k) j.push_back({double(k), x0 + 5.0 * k, 100.0 + 3.0 * k});
  return person(id, image_id, 20000, {x0, 100, 100, 200}, j);
}
ce::EvalResult run(const ce::GroundTruth& gt, const std::vector<ce::KeypointResult>& res) {
  return ce::evaluate(gt, ce::prepare_results(res, gt, "in-memory results"));
}
}  // namespace

TEST_CASE("OKS of a labelled GT, by hand", "[coco_eval]") {
  const ce::Params p = ce::Params::keypoints();
  // Nose and left hip labelled; area 100. Detection off by (1, 0) at the nose, (0, 2) at the hip.
  const auto g = person(1, 1, 100, {0, 0, 10, 10}, {{0, 10, 20}, {11, 30, 40}});
  ce::Keypoints d{};
  d[0] = 11, d[1] = 20;
  d[33] = 30, d[34] = 42;
  // e = d^2 / (2 sigma)^2 / (area + eps) / 2 with sigma_nose = .026, sigma_hip = .107.
  const double e_nose = 1.0 / (0.052 * 0.052) / 100.0 / 2.0;  // 1.849...
  const double e_hip = 4.0 / (0.214 * 0.214) / 100.0 / 2.0;   // 0.4367...
  const double expected = (std::exp(-e_nose) + std::exp(-e_hip)) / 2.0;  // only labelled joints count
  CHECK(ce::compute_oks(g, d, p) == Approx(expected).epsilon(1e-12));
  CHECK(expected == Approx(0.4017647637).epsilon(1e-9));
  // The unlabelled joints' positions do not matter.
  d[6] = 1000, d[7] = -500;
  CHECK(ce::compute_oks(g, d, p) == Approx(expected).epsilon(1e-12));
  // A perfect detection has OKS 1.
  ce::Keypoints same{};
  same[0] = 10, same[1] = 20, same[33] = 30, same[34] = 40;
  CHECK(ce::compute_oks(g, same, p) == 1.0);
}

TEST_CASE("OKS of a GT without labelled keypoints uses the distance to its grown box", "[coco_eval]") {
  const ce::Params p = ce::Params::keypoints();
  // bbox (10, 10, 20, 20): the region is x in [10 - 20, 10 + 2*20] = [-10, 50], same for y.
  const auto g = person(1, 1, 400, {10, 10, 20, 20}, {});
  ce::Keypoints inside{}, outside{};
  for (int k = 0; k < 17; ++k) {
    inside[3 * k] = 45, inside[3 * k + 1] = -5;   // inside the grown box: distance 0
    outside[3 * k] = 60, outside[3 * k + 1] = 30;  // 10 px right of it
  }
  CHECK(ce::compute_oks(g, inside, p) == 1.0);
  double sum = 0;
  for (int k = 0; k < 17; ++k) sum += std::exp(-100.0 / ((2 * p.sigmas[k]) * (2 * p.sigmas[k])) / 400.0 / 2.0);
  CHECK(ce::compute_oks(g, outside, p) == Approx(sum / 17).epsilon(1e-12));  // mean over all 17
}

TEST_CASE("COCO eval parameters are numpy's doubles", "[coco_eval]") {
  const ce::Params p = ce::Params::keypoints();
  REQUIRE(p.iou_thresholds.size() == 10);
  REQUIRE(p.recall_thresholds.size() == 101);
  CHECK(p.iou_thresholds[0] == 0.5);
  CHECK(p.iou_thresholds[5] == 0.75);                // the summary finds AP75 by equality
  CHECK(p.iou_thresholds[8] == 0.8999999999999999);  // np.linspace's value, not 0.9
  CHECK(p.recall_thresholds[100] == 1.0);
  CHECK(p.sigmas[0] == .26 / 10.0);
  CHECK(p.area_ranges[1].lo == 1024.0);
  CHECK(p.area_ranges[2].hi == 1e10);
}

TEST_CASE("loadRes: area and bbox from the extent of all 17 keypoints, ids from 1", "[coco_eval]") {
  const auto g = line_person(7, 1, 50);
  auto gt = ground_truth({1}, {g});
  ce::KeypointResult r = detection_at(g, 0.9);
  r.keypoints[3] = 0, r.keypoints[4] = 0;  // an unlabelled joint at (0, 0) still counts
  const auto d = ce::prepare_results({r, r}, gt, "x");
  REQUIRE(d.size() == 2);
  CHECK(d[0].id == 1);
  CHECK(d[1].id == 2);
  // x: 0 .. 50 + 80, y: 0 .. 100 + 48
  CHECK(d[0].bbox == std::array<double, 4>{0, 0, 130, 148});
  CHECK(d[0].area == 130.0 * 148.0);
  // With a bbox on the first result, loadRes' bbox branch sets area = w * h.
  r.has_bbox = true;
  r.bbox = {1, 2, 10, 20};
  const auto b = ce::prepare_results({r, r}, gt, "x");
  CHECK(b[0].area == 200.0);
}

TEST_CASE("Score ties keep image order, then file order", "[coco_eval]") {
  // Image 1: GT + a far-off false positive; image 2: GT + a perfect detection; equal scores.
  // Stable order puts image 1's FP first: precision (0, 1/2) -> envelope 1/2 up to recall 1/2.
  const auto g1 = line_person(1, 1, 50), g2 = line_person(2, 2, 50);
  const auto gt = ground_truth({1, 2}, {g1, g2});
  const auto r = run(gt, {detection_at(g1, 0.5, 300, 300), detection_at(g2, 0.5)});
  CHECK(r.stats[1] == Approx(0.5 * 51 / 101).epsilon(1e-15));  // AP50; TP first would give 51/101
  CHECK(r.stats[6] == 0.5);                                      // AR50
  // Listing the results the other way round does not change the per-image order.
  const auto r2 = run(gt, {detection_at(g2, 0.5), detection_at(g1, 0.5, 300, 300)});
  CHECK(r2.stats[1] == r.stats[1]);
  // Within one image, file order breaks the tie: the perfect detection listed first is the TP.
  const auto gt1 = ground_truth({1}, {g1});
  const auto tp_first = run(gt1, {detection_at(g1, 0.5), detection_at(g1, 0.5, 300, 300)});
  const auto fp_first = run(gt1, {detection_at(g1, 0.5, 300, 300), detection_at(g1, 0.5)});
  CHECK(tp_first.stats[1] == Approx(1.0).epsilon(1e-15));  // 1 / (1 + eps)
  CHECK(fp_first.stats[1] == Approx(0.5).epsilon(1e-15));
}

TEST_CASE("Large sets, evaluated in two halves, keep image order across the halves", "[coco_eval]") {
  // 100 images (evaluated as 1-50 and 51-100 at once): the first 50 hold a false positive,
  // the last 50 a true positive, all at one score. Image order puts every FP first, so the
  // precision envelope is 1/2 up to recall 1/2; the other order would give 1.
  std::vector<int64_t> ids;
  std::vector<ce::GtAnnotation> anns;
  std::vector<ce::KeypointResult> res;
  for (int64_t i = 1; i <= 100; ++i) {
    ids.push_back(i);
    anns.push_back(line_person(i, i, 50));
    res.push_back(i <= 50 ? detection_at(anns.back(), 0.5, 300, 300) : detection_at(anns.back(), 0.5));
  }
  const auto r = run(ground_truth(ids, anns), res);
  CHECK(r.stats[1] == Approx(0.5 * 51 / 101).epsilon(1e-15));
  CHECK(r.stats[6] == 0.5);
}

TEST_CASE("Crowd GT absorbs any number of detections, zero-keypoint GT only one", "[coco_eval]") {
  auto crowd = line_person(1, 1, 50);
  crowd.iscrowd = 1;
  auto real = line_person(2, 1, 300);
  const auto gt = ground_truth({1}, {crowd, real});
  // Three detections on the crowd (ignored, not FPs) and one on the real person, scored lower.
  const auto r = run(gt, {detection_at(crowd, 0.9), detection_at(crowd, 0.8), detection_at(crowd, 0.7),
                          detection_at(real, 0.1)});
  CHECK(r.stats[0] == Approx(1.0).epsilon(1e-15));
  // A zero-keypoint (non-crowd) GT is ignored but matched once: a second detection is a FP.
  auto zero = line_person(3, 1, 50);
  zero.num_keypoints = 0;
  const auto gz = ground_truth({1}, {zero, real});
  const auto rz = run(gz, {detection_at(zero, 0.9), detection_at(zero, 0.8), detection_at(real, 0.1)});
  // Order: ignored, FP, TP -> precision at recall 1 is 1/2.
  CHECK(rz.stats[1] == Approx(0.5).epsilon(1e-15));
}

TEST_CASE("Only the 20 best detections of an image count", "[coco_eval]") {
  const auto g = line_person(1, 1, 50);
  const auto gt = ground_truth({1}, {g});
  std::vector<ce::KeypointResult> res;
  for (int i = 0; i < 20; ++i) res.push_back(detection_at(g, 0.9, 400, 400));  // 20 FPs
  res.push_back(detection_at(g, 0.5));  // the TP, 21st by score
  CHECK(run(gt, res).stats[5] == 0.0);  // AR: the TP was cut
  res.back().score = 0.95;
  CHECK(run(gt, res).stats[5] == 1.0);
}

TEST_CASE("Empty categories and area ranges give -1, no results give 0", "[coco_eval]") {
  // Only a large person: the medium range has no GT -> APm = ARm = -1.
  const auto g = line_person(1, 1, 50);
  const auto gt = ground_truth({1, 2}, {g});
  const auto r = run(gt, {detection_at(g, 0.9)});
  CHECK(r.stats[0] == Approx(1.0).epsilon(1e-15));
  CHECK(r.stats[3] == -1.0);
  CHECK(r.stats[8] == -1.0);
  CHECK(r.stats[4] == Approx(1.0).epsilon(1e-15));
  // No results at all: every evaluable entry is 0 (pycocotools itself raises IndexError here).
  const auto none = run(gt, {});
  CHECK(none.stats[0] == 0.0);
  CHECK(none.stats[5] == 0.0);
  CHECK(none.stats[3] == -1.0);
  // Only ignored GT: every entry -1.
  auto zero = g;
  zero.num_keypoints = 0;
  const auto all_ignored = run(ground_truth({1}, {zero}), {detection_at(g, 0.9)});
  for (double s : all_ignored.stats) CHECK(s == -1.0);
  // A GT id of 0 makes pycocotools count its match as a miss (dtm stores the GT id).
  auto id0 = g;
  id0.id = 0;
  CHECK(run(ground_truth({1}, {id0}), {detection_at(g, 0.9)}).stats[0] == 0.0);
}

TEST_CASE("The summary table is pycocotools' text", "[coco_eval]") {
  const auto g = line_person(1, 1, 50);
  const auto gt = ground_truth({1}, {g});
  const std::string t = ce::format_summary(run(gt, {detection_at(g, 0.9)}));
  CHECK(t.find(" Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets= 20 ] = 1.000\n") == 0);
  CHECK(t.find(" Average Recall     (AR) @[ IoU=0.50:0.95 | area=medium | maxDets= 20 ] = -1.000\n") !=
        std::string::npos);
  CHECK(t.find(" Average Precision  (AP) @[ IoU=0.75      | area=   all | maxDets= 20 ] = 1.000\n") !=
        std::string::npos);
}
