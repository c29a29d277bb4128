// COCO instance post-processing as the official COCODataset.evaluate does it
// (lib/dataset/coco.py) with lib/nms/nms.py: rescoring by the confident joints, then OKS-NMS
// (or soft OKS-NMS) per image.
#pragma once
#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "datasets/eval/postprocess/heatmaps.h"

namespace hr::data::post {

// One predicted person, as the official keeps it per sample.
struct PoseInstance {
  std::vector<KeypointPred> keypoints;  // J x (x, y, maxval) in image pixels
  std::array<double, 2> center{};
  std::array<double, 2> scale{};
  double area = 0;   // instance_area(scale): the padded crop area, not the GT segment area
  double score = 1;  // box score (detector score, 1 for GT boxes); rescored by coco_nms
  int64_t image_id = 0;
};

// One PoseInstance per instance of a batch, as validate() fills all_preds/all_boxes:
// keypoints from get_final_preds (N*J entries), center, scale, area = instance_area(scale), the
// box score (meta score: detector score, 1 for GT boxes) and the image id. Every span after
// `preds` holds N entries.
std::vector<PoseInstance> make_instances(std::span<const KeypointPred> preds, int joints,
                                         std::span<const std::array<double, 2>> centers,
                                         std::span<const std::array<double, 2>> scales,
                                         std::span<const double> box_scores,
                                         std::span<const int64_t> image_ids);

// (200 s_w) * (200 s_h) in float arithmetic, as the official np.prod(s * 200, 1) on the
// float32 scale array.
double instance_area(const std::array<double, 2>& scale);

// The COCO keypoint sigmas, [.26, .25, .25, .35, .35, .79, .79, .72, .72, .62, .62, 1.07,
// 1.07, .87, .87, .89, .89] / 10.
std::span<const double> coco_sigmas();

// The rescoring: mean of the joint scores > in_vis_thre (compared, summed and divided in
// float, as the official float32 arithmetic), 0 when none is, times the box score.
double rescore(std::span<const KeypointPred> keypoints, double box_score, double in_vis_thre);

// The official oks_iou for one pair, with in_vis_thre unset (COCODataset.evaluate never passes
// it): var = (2 sigma)^2, e_j = (dx^2 + dy^2) / var_j / ((area_a + area_b)/2 + eps) / 2 with
// eps = 2^-52 (np.spacing(1)), OKS = mean over all J joints of exp(-e_j). dx, dy and their
// squares in float (the official keypoints are float32), the rest in double, summed in
// numpy's pairwise order. sigmas must have one entry per joint.
double oks_iou(std::span<const KeypointPred> a, std::span<const KeypointPred> b, double area_a,
               double area_b, std::span<const double> sigmas = coco_sigmas());

// Instance order by descending score. The official argsort()[::-1] leaves the order of equal
// scores to numpy's sort algorithm; here it is that of a stable ascending sort reversed (the
// later instance first), numpy's result for small arrays without SIMD sorting. NaN scores sort
// first, as numpy puts NaN last in ascending order.
std::vector<int> descending_order(std::span<const double> scores);

// The official oks_nms: take the best remaining instance, drop every remaining one whose OKS
// with it is > thresh (a NaN OKS drops too), repeat. Returns indices into `instances`, in
// the order kept.
std::vector<int> oks_nms(std::span<const PoseInstance> instances, double thresh,
                         std::span<const double> sigmas = coco_sigmas());

// The official soft_oks_nms, quirks included: nothing is ever dropped by a threshold; after
// each pick the remaining scores are multiplied by exp(-oks^2 / thresh) and re-sorted, and at
// most 20 instances are kept. Only the order and the cut at 20 come out: the instances' own
// scores are not changed.
std::vector<int> soft_oks_nms(std::span<const PoseInstance> instances, double thresh,
                              std::span<const double> sigmas = coco_sigmas());

struct CocoNmsOptions {
  double in_vis_thre = 0.2;  // TEST.IN_VIS_THRE (0.2 in every official experiment YAML)
  double oks_thre = 0.9;     // TEST.OKS_THRE (0.9 in the YAMLs)
  bool soft_nms = false;     // TEST.SOFT_NMS
  std::vector<double> sigmas;  // empty: COCO's
};

// The loop of COCODataset.evaluate: instances grouped by image_id in order of first
// appearance, each rescored (score := rescore(...)), NMS per image; an image whose keep list
// is empty keeps all its instances (the official rule; it only happens for no instance).
// Returns the kept instances, image after image, each image's in keep order: what the results
// file lists.
std::vector<PoseInstance> coco_nms(std::vector<PoseInstance> instances, const CocoNmsOptions& opt);

}  // namespace hr::data::post
