#include "datasets/eval/postprocess/nms.h"

#include "datasets/eval/numpy_sum.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <unordered_map>

#include "engine/error.h"

namespace hr::data::post {

namespace {

constexpr std::array<double, 17> kCocoSigmas = {
    .26 / 10.0, .25 / 10.0, .25 / 10.0, .35 / 10.0, .35 / 10.0, .79 / 10.0,
    .79 / 10.0, .72 / 10.0, .72 / 10.0, .62 / 10.0, .62 / 10.0, 1.07 / 10.0,
    1.07 / 10.0, .87 / 10.0, .87 / 10.0, .89 / 10.0, .89 / 10.0};

std::span<const double> pick_sigmas(const std::vector<double>& s) {
  return s.empty() ? coco_sigmas() : std::span<const double>(s);
}

std::vector<double> scores_of(std::span<const PoseInstance> instances) {
  std::vector<double> s(instances.size());
  for (size_t i = 0; i < instances.size(); ++i) s[i] = instances[i].score;
  return s;
}

// OKS of instance `i` against each of `others`.
std::vector<double> oks_row(std::span<const PoseInstance> inst, int i, std::span<const int> others,
                            std::span<const double> sigmas) {
  std::vector<double> r(others.size());
  for (size_t k = 0; k < others.size(); ++k)
    r[k] = oks_iou(inst[i].keypoints, inst[others[k]].keypoints, inst[i].area,
                   inst[others[k]].area, sigmas);
  return r;
}

}  // namespace

std::span<const double> coco_sigmas() { return kCocoSigmas; }

std::vector<PoseInstance> make_instances(std::span<const KeypointPred> preds, int joints,
                                         std::span<const std::array<double, 2>> centers,
                                         std::span<const std::array<double, 2>> scales,
                                         std::span<const double> box_scores,
                                         std::span<const int64_t> image_ids) {
  const size_t n = centers.size();
  HR_CHECK(joints > 0 && preds.size() == n * joints && scales.size() == n &&
               box_scores.size() == n && image_ids.size() == n,
           "make_instances: {} predictions for {} joints, {} centers, {} scales, {} scores, {} "
           "image ids",
           preds.size(), joints, n, scales.size(), box_scores.size(), image_ids.size());
  std::vector<PoseInstance> out(n);
  for (size_t i = 0; i < n; ++i) {
    PoseInstance& p = out[i];
    p.keypoints.assign(preds.begin() + i * joints, preds.begin() + (i + 1) * joints);
    p.center = centers[i];
    p.scale = scales[i];
    p.area = instance_area(scales[i]);
    p.score = box_scores[i];
    p.image_id = image_ids[i];
  }
  return out;
}

double instance_area(const std::array<double, 2>& scale) {
  const float w = static_cast<float>(scale[0]) * 200.0f;
  const float h = static_cast<float>(scale[1]) * 200.0f;
  return static_cast<double>(w * h);
}

double rescore(std::span<const KeypointPred> keypoints, double box_score, double in_vis_thre) {
  // numpy compares a float32 joint score with the Python float threshold in float32 (the
  // threshold is a "weak" scalar), so a score of exactly 0.2f is not above 0.2.
  const float thre = static_cast<float>(in_vis_thre);
  float sum = 0.f;
  int valid = 0;
  for (const KeypointPred& k : keypoints)
    if (k.score > thre) {
      sum += k.score;
      ++valid;
    }
  const float kpt_score = valid ? sum / static_cast<float>(valid) : 0.f;
  return static_cast<double>(kpt_score) * box_score;
}

double oks_iou(std::span<const KeypointPred> a, std::span<const KeypointPred> b, double area_a,
               double area_b, std::span<const double> sigmas) {
  HR_CHECK(a.size() == b.size() && a.size() == sigmas.size(),
           "oks_iou: {} and {} keypoints with {} sigmas", a.size(), b.size(), sigmas.size());
  if (a.empty()) return 0.0;
  const double eps = std::numeric_limits<double>::epsilon();  // np.spacing(1)
  const double area = (area_a + area_b) / 2 + eps;
  std::vector<double> terms(a.size());
  for (size_t j = 0; j < a.size(); ++j) {
    const float dx = b[j].x - a[j].x, dy = b[j].y - a[j].y;
    const float d2 = dx * dx + dy * dy;
    const double var = (sigmas[j] * 2) * (sigmas[j] * 2);
    const double e = static_cast<double>(d2) / var / area / 2;
    terms[j] = std::exp(-e);
  }
  // np.sum's pairwise order keeps OKS on the official's bits (it matters only for values
  // landing exactly on the threshold).
  return numpy_sum(terms.data(), terms.size()) / static_cast<double>(a.size());
}

std::vector<int> descending_order(std::span<const double> scores) {
  std::vector<int> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  // Ascending, NaN greatest (a strict weak order), stable; then reversed.
  auto less = [&](int i, int j) {
    const double a = scores[i], b = scores[j];
    if (std::isnan(a)) return false;
    if (std::isnan(b)) return true;
    return a < b;
  };
  std::stable_sort(order.begin(), order.end(), less);
  std::reverse(order.begin(), order.end());
  return order;
}

std::vector<int> oks_nms(std::span<const PoseInstance> inst, double thresh,
                         std::span<const double> sigmas) {
  std::vector<int> order = descending_order(scores_of(inst));
  std::vector<int> keep;
  while (!order.empty()) {
    const int i = order.front();
    keep.push_back(i);
    const std::span<const int> rest(order.data() + 1, order.size() - 1);
    const std::vector<double> ovr = oks_row(inst, i, rest, sigmas);
    std::vector<int> next;
    for (size_t k = 0; k < rest.size(); ++k)
      if (ovr[k] <= thresh) next.push_back(rest[k]);  // NaN fails, as np.where(ovr <= t)
    order = std::move(next);
  }
  return keep;
}

std::vector<int> soft_oks_nms(std::span<const PoseInstance> inst, double thresh,
                              std::span<const double> sigmas) {
  constexpr size_t kMaxDets = 20;  // the official's hard-coded max_dets
  const std::vector<double> all = scores_of(inst);
  std::vector<int> order = descending_order(all);
  std::vector<double> scores(order.size());
  for (size_t k = 0; k < order.size(); ++k) scores[k] = all[order[k]];
  std::vector<int> keep;
  while (!order.empty() && keep.size() < kMaxDets) {
    const int i = order.front();
    const std::span<const int> rest(order.data() + 1, order.size() - 1);
    const std::vector<double> ovr = oks_row(inst, i, rest, sigmas);
    // rescore(type='gaussian'): scores * exp(-overlap^2 / thresh), then a new descending order.
    std::vector<double> rescored(rest.size());
    for (size_t k = 0; k < rest.size(); ++k)
      rescored[k] = scores[k + 1] * std::exp(-(ovr[k] * ovr[k]) / thresh);
    const std::vector<int> tmp = descending_order(rescored);
    std::vector<int> next(tmp.size());
    scores.assign(tmp.size(), 0.0);
    for (size_t k = 0; k < tmp.size(); ++k) {
      next[k] = rest[tmp[k]];
      scores[k] = rescored[tmp[k]];
    }
    order = std::move(next);
    keep.push_back(i);
  }
  return keep;
}

std::vector<PoseInstance> coco_nms(std::vector<PoseInstance> instances, const CocoNmsOptions& opt) {
  const std::span<const double> sigmas = pick_sigmas(opt.sigmas);
  // Group by image in order of first appearance (the official defaultdict keeps insertion
  // order), keeping each image's instances in input order.
  std::vector<std::vector<int>> groups;
  std::unordered_map<int64_t, size_t> group_of;
  for (size_t i = 0; i < instances.size(); ++i) {
    PoseInstance& p = instances[i];
    HR_CHECK(p.keypoints.size() == sigmas.size(),
             "coco_nms: instance {} of image {} has {} keypoints, the OKS sigmas {}", i,
             p.image_id, p.keypoints.size(), sigmas.size());
    auto [it, fresh] = group_of.try_emplace(p.image_id, groups.size());
    if (fresh) groups.emplace_back();
    groups[it->second].push_back(static_cast<int>(i));
    p.score = rescore(p.keypoints, p.score, opt.in_vis_thre);
  }
  std::vector<PoseInstance> out;
  for (const std::vector<int>& g : groups) {
    std::vector<PoseInstance> img;
    img.reserve(g.size());
    for (int i : g) img.push_back(std::move(instances[i]));
    std::vector<int> keep = opt.soft_nms ? soft_oks_nms(img, opt.oks_thre, sigmas)
                                         : oks_nms(img, opt.oks_thre, sigmas);
    if (keep.empty()) {  // the official fallback: keep the image's list whole
      keep.resize(img.size());
      std::iota(keep.begin(), keep.end(), 0);
    }
    for (int k : keep) out.push_back(img[k]);
  }
  return out;
}

}  // namespace hr::data::post
