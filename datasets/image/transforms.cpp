#include "datasets/image/transforms.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "engine/error.h"

namespace hr::data {
namespace {

double f32(double v) { return static_cast<double>(static_cast<float>(v)); }

// The aspect fix shared by _xywh2cs and half_body_transform.
void fix_aspect(double& w, double& h, double aspect_ratio) {
  if (w > aspect_ratio * h)
    h = w / aspect_ratio;
  else if (w < aspect_ratio * h)
    w = h * aspect_ratio;
}

}  // namespace

CenterScale box_to_center_scale(double x, double y, double w, double h, double aspect_ratio,
                                double pixel_std) {
  HR_CHECK(aspect_ratio > 0, "box_to_center_scale: aspect_ratio {} must be positive", aspect_ratio);
  CenterScale cs;
  cs.center = {f32(x + w * 0.5), f32(y + h * 0.5)};
  fix_aspect(w, h, aspect_ratio);
  // np.array([w / 200, h / 200], float32) * 1.25 in float32; applied whenever center_x != -1.
  float sw = static_cast<float>(w / pixel_std), sh = static_cast<float>(h / pixel_std);
  if (cs.center[0] != -1) {
    sw *= 1.25f;
    sh *= 1.25f;
  }
  cs.scale = {sw, sh};
  return cs;
}

std::optional<Box> clean_coco_box(double x, double y, double w, double h, int img_w, int img_h,
                                  double area) {
  const double x1 = std::max(0.0, x), y1 = std::max(0.0, y);
  const double x2 = std::min(static_cast<double>(img_w - 1), x1 + std::max(0.0, w - 1));
  const double y2 = std::min(static_cast<double>(img_h - 1), y1 + std::max(0.0, h - 1));
  if (area > 0 && x2 >= x1 && y2 >= y1) return Box{x1, y1, x2 - x1, y2 - y1};
  return std::nullopt;
}

void flip_joints(Joints& joints, Joints& joints_vis, int image_width, const JointSet& set) {
  HR_CHECK(static_cast<int>(joints.size()) == set.num_joints &&
               static_cast<int>(joints_vis.size()) == set.num_joints,
           "flip_joints: joints has {} rows and joints_vis {}, the joint set has {}",
           joints.size(), joints_vis.size(), set.num_joints);
  for (auto& j : joints) j[0] = image_width - j[0] - 1;
  for (const auto& [l, r] : set.flip_pairs) {
    std::swap(joints[l], joints[r]);
    std::swap(joints_vis[l], joints_vis[r]);
  }
  for (size_t i = 0; i < joints.size(); ++i)
    for (int k = 0; k < 3; ++k) joints[i][k] *= joints_vis[i][k];
}

std::optional<CenterScale> half_body_transform(const Joints& joints, const Joints& joints_vis,
                                               const JointSet& set, double aspect_ratio,
                                               double randn, double pixel_std) {
  HR_CHECK(static_cast<int>(joints.size()) == set.num_joints &&
               static_cast<int>(joints_vis.size()) == set.num_joints,
           "half_body_transform: joints has {} rows and joints_vis {}, the joint set has {}",
           joints.size(), joints_vis.size(), set.num_joints);
  std::vector<int> upper, lower;
  for (int j = 0; j < set.num_joints; ++j) {
    if (!(joints_vis[j][0] > 0)) continue;
    const bool is_upper =
        std::find(set.upper_body.begin(), set.upper_body.end(), j) != set.upper_body.end();
    (is_upper ? upper : lower).push_back(j);
  }
  const std::vector<int>* sel;
  if (randn < 0.5 && upper.size() > 2)
    sel = &upper;
  else
    sel = lower.size() > 2 ? &lower : &upper;
  if (sel->size() < 2) return std::nullopt;

  // np.array(selected, float32): mean, min and max in float32.
  float sum_x = 0, sum_y = 0;
  float min_x = INFINITY, min_y = INFINITY, max_x = -INFINITY, max_y = -INFINITY;
  for (int j : *sel) {
    const float x = static_cast<float>(joints[j][0]), y = static_cast<float>(joints[j][1]);
    sum_x += x;
    sum_y += y;
    min_x = std::min(min_x, x);
    min_y = std::min(min_y, y);
    max_x = std::max(max_x, x);
    max_y = std::max(max_y, y);
  }
  const float n = static_cast<float>(sel->size());
  CenterScale cs;
  cs.center = {sum_x / n, sum_y / n};
  double w = max_x - min_x, h = max_y - min_y;
  fix_aspect(w, h, aspect_ratio);
  const float sw = static_cast<float>(w / pixel_std) * 1.5f;
  const float sh = static_cast<float>(h / pixel_std) * 1.5f;
  cs.scale = {sw, sh};
  return cs;
}

bool half_body_applies(const Joints& joints_vis, int num_joints_half_body, double prob_half_body,
                       Rng& rng) {
  double visible = 0;
  for (const auto& v : joints_vis) visible += v[0];
  if (!(visible > num_joints_half_body)) return false;
  return rng.uniform() < prob_half_body;
}

double random_scale_factor(double n, double scale_factor) {
  HR_CHECK(scale_factor >= 0 && scale_factor < 1, "SCALE_FACTOR {} must be in [0, 1)",
           scale_factor);
  return std::clamp(n * scale_factor + 1, 1 - scale_factor, 1 + scale_factor);
}

double random_rotation(double u, double n, double rotation_factor) {
  HR_CHECK(rotation_factor >= 0, "ROT_FACTOR {} must be >= 0", rotation_factor);
  if (!(u <= 0.6)) return 0.0;
  return std::clamp(n * rotation_factor, -2 * rotation_factor, 2 * rotation_factor);
}

ScaleRotation draw_scale_rotation(Rng& rng, double scale_factor, double rotation_factor) {
  ScaleRotation r;
  r.scale_factor = random_scale_factor(rng.normal(), scale_factor);
  const double u = rng.uniform();
  r.rotation = u <= 0.6 ? random_rotation(u, rng.normal(), rotation_factor) : 0.0;
  return r;
}

}  // namespace hr::data
