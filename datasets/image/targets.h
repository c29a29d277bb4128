// Gaussian heatmap targets (the official JointsDataset.generate_target, TARGET_TYPE gaussian),
// written in our NHWC heatmap layout: one sample's target is [H_hm][W_hm][J], joint innermost.
#pragma once
#include <array>
#include <span>
#include <vector>

namespace hr::data {

// joints: J x (x, y, z) in input-crop pixels (after the affine); joints_vis: J x (v, v, 0).
// For every joint:
//   weight = joints_vis[j][0]; stride = image_size / heatmap_size per axis;
//   mu = int(joint / stride + 0.5) per axis (truncated toward zero, as Python's int());
//   ul = int(mu - 3 sigma), br = int(mu + 3 sigma + 1); if ul_x >= W or ul_y >= H or br_x < 0 or
//   br_y < 0 the window is outside: weight = 0 and the map stays 0; else, if weight > 0.5,
//   the (6 sigma + 1)^2 patch exp(-(dx^2 + dy^2) / (2 sigma^2)) (peak exactly 1 at mu) is
//   pasted, clipped to the map. Finally weight *= joints_weight[j] when joints_weight is given
//   (USE_DIFFERENT_JOINTS_WEIGHT). 3 * sigma must be an integer (sigma 2 and 3 in every config).
// target_hwj receives H*W*J floats (fully overwritten), target_weight J floats.
void generate_target(const std::vector<std::array<double, 3>>& joints,
                     const std::vector<std::array<double, 3>>& joints_vis,
                     std::array<int, 2> image_size, std::array<int, 2> heatmap_size, double sigma,
                     float* target_hwj, float* target_weight,
                     std::span<const float> joints_weight = {});

// The official COCO joints_weight: elbows and knees 1.2, wrists and ankles 1.5, others 1.
const std::vector<float>& coco_joints_weight();

}  // namespace hr::data
