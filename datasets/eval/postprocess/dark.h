// DARK, "Distribution-Aware Coordinate Representation for Human Pose Estimation" (Zhang et
// al., CVPR 2020), as mmpose 0.x does it for post_process='unbiased'
// (mmpose/core/evaluation/top_down_eval.py: _gaussian_blur, np.maximum(., 1e-10), np.log,
// _taylor). It replaces the quarter offset; the inverse affine that follows is unchanged.
#pragma once
#include <vector>

#include "datasets/eval/postprocess/heatmaps.h"

namespace hr::data::post {

// cv2.getGaussianKernel(ksize, 0) for a float32 image: sigma = 0.3 ((ksize-1)/2 - 1) + 0.8
// (2 for ksize 11), w_i = exp(-(i - (ksize-1)/2)^2 / (2 sigma^2)) normalised to sum 1, stored
// as float. ksize must be odd and positive.
std::vector<float> dark_gaussian_kernel(int ksize);

// mmpose's _gaussian_blur of one H x W map into `out` (H x W):
//  1. the map is zero-padded by ksize/2 on every side and blurred with cv2.GaussianBlur
//     ((ksize, ksize), sigma 0); because the pad is exactly the kernel radius, OpenCV's
//     reflect-101 border never reaches the kept region, so this is a separable convolution
//     with zeros outside the map (row pass, then column pass; each pass accumulates in double
//     and rounds to float, within an ulp or two of OpenCV's float passes);
//  2. the result is scaled by origin_max / blurred_max (float32 arithmetic as numpy's), so
//     that its maximum equals the original maximum. An all-zero map gives 0/0 = NaN, as in
//     mmpose; its argmax is never refined, so no NaN reaches a coordinate.
void dark_modulate(const float* map, int height, int width, int ksize, float* out);

// _taylor on a log-map (after dark_modulate, max(., 1e-10), log): with px = (int)x,
// py = (int)y, only when 1 < px < W-2 and 1 < py < H-2 (room for the 5-point stencils):
//   dx  = (L[y][x+1] - L[y][x-1]) / 2          dy  = (L[y+1][x] - L[y-1][x]) / 2
//   dxx = (L[y][x+2] - 2 L[y][x] + L[y][x-2]) / 4
//   dyy = (L[y+2][x] - 2 L[y][x] + L[y-2][x]) / 4
//   dxy = (L[y+1][x+1] - L[y-1][x+1] - L[y+1][x-1] + L[y-1][x-1]) / 4
// and, when det = dxx dyy - dxy^2 != 0 exactly (mmpose's guard; no epsilon), the Newton step
// (x, y) -= H^-1 (dx, dy). Computed in double from the float logs (mmpose: float32 numpy),
// rounded back to float. Returns whether the point moved.
bool dark_taylor_step(const float* log_map, int height, int width, KeypointPred& p);

// The whole refinement for a batch: for every joint whose argmax passes the stencil rule, the
// map is modulated, clamped at 1e-10, logged, and the Taylor step applied to preds (heatmap
// pixels, N*J entries from get_max_preds). Maps that cannot be refined are not blurred.
void dark_refine(const float* hm, const HeatmapShape& shape, std::vector<KeypointPred>& preds,
                 int ksize = 11);

}  // namespace hr::data::post
