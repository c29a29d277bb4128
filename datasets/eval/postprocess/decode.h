// Heatmaps -> joint positions: the official lib/core/inference.py get_max_preds and
// get_final_preds, with DARK (dark.h) as an alternative refinement.
#pragma once
#include <array>
#include <span>
#include <vector>

#include "datasets/eval/postprocess/heatmaps.h"

namespace hr::data::post {

// How the integer argmax is refined before mapping back to the image.
enum class PostProcess {
  None,     // TEST.POST_PROCESS false: the argmax as is
  Default,  // TEST.POST_PROCESS true: the official quarter-pixel offset
  Dark,     // DARK (Zhang et al. 2020) as mmpose 0.x post_process='unbiased' does it
};

// get_max_preds: per map, the first index of the maximum (numpy argmax; a NaN counts as the
// maximum, as numpy's does), x = idx mod W, y = idx / W, score = the maximum. When the maximum
// is not > 0 (including NaN) the coordinates are (0, 0), as the official pred_mask does.
// hm: NCHW, shape.numel() floats. Returns N*J entries, instance-major.
std::vector<KeypointPred> get_max_preds(const float* hm, const HeatmapShape& shape);

// The POST_PROCESS step on one map, in place: with px = floor(x + 0.5), py = floor(y + 0.5),
// only when 1 < px < W-1 and 1 < py < H-1 (strict, so columns/rows 0, 1 and the last one are
// never refined), x += 0.25 sign(hm[py][px+1] - hm[py][px-1]) and
// y += 0.25 sign(hm[py+1][px] - hm[py-1][px]) (sign 0 -> no move; a NaN difference gives NaN,
// as np.sign does).
void quarter_offset(const float* map, int height, int width, KeypointPred& p);

// get_max_preds followed by the refinement `mode` (dark_kernel: DARK's blur size, 11 for
// heatmaps trained with sigma 2, 17 for sigma 3): coordinates still in heatmap pixels.
std::vector<KeypointPred> decode_heatmaps(const float* hm, const HeatmapShape& shape,
                                          PostProcess mode, int dark_kernel = 11);

// The official get_final_preds: decode_heatmaps, then every joint mapped back to the image
// with transform_preds (datasets/image/affine.h: rotation 0, heatmap size (W, H), scale[0]
// for both axes, no half-pixel term). centers and scales hold one entry per instance (the
// sample's center and scale). Coordinates are rounded to float like the official float32
// arrays; score is the maximum of the map. Works for any J (17 COCO, 16 MPII).
std::vector<KeypointPred> get_final_preds(const float* hm, const HeatmapShape& shape,
                                          std::span<const std::array<double, 2>> centers,
                                          std::span<const std::array<double, 2>> scales,
                                          PostProcess mode, int dark_kernel = 11);

}  // namespace hr::data::post
