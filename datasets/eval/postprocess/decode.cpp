#include "datasets/eval/postprocess/decode.h"

#include <cmath>
#include <limits>

#include "datasets/eval/postprocess/dark.h"
#include "datasets/image/affine.h"
#include "engine/error.h"
#include "kernels/heatmap/heatmap.h"

namespace hr::data::post {

namespace {

// np.sign: -1, 0, +1, and NaN for NaN.
float sign_of(float d) {
  if (std::isnan(d)) return std::numeric_limits<float>::quiet_NaN();
  return static_cast<float>((d > 0.f) - (d < 0.f));
}

}  // namespace

std::vector<KeypointPred> get_max_preds(const float* hm, const HeatmapShape& s) {
  s.validate("get_max_preds");
  HR_CHECK(hm != nullptr, "get_max_preds: null heatmaps");
  const size_t hw = s.map_size();
  std::vector<KeypointPred> out(static_cast<size_t>(s.n) * s.joints);
  for (int i = 0; i < s.n; ++i)
    for (int j = 0; j < s.joints; ++j) {
      const float* m = hm + s.map_offset(i, j);
      // numpy's argmax order (the first maximum; the first NaN beats every number), the rule
      // the heatmap kernels use on every backend.
      size_t idx = 0;
      for (size_t p = 1; p < hw; ++p)
        if (kern::heatmap_beats(m[p], int64_t(p), m[idx], int64_t(idx))) idx = p;
      const float best = m[idx];
      KeypointPred& k = out[static_cast<size_t>(i) * s.joints + j];
      k.score = best;
      if (best > 0.f) {  // the official pred_mask: maxvals > 0, else (0, 0)
        k.x = static_cast<float>(idx % s.width);
        k.y = static_cast<float>(idx / s.width);
      }
    }
  return out;
}

void quarter_offset(const float* m, int height, int width, KeypointPred& p) {
  const double fx = std::floor(static_cast<double>(p.x) + 0.5);
  const double fy = std::floor(static_cast<double>(p.y) + 0.5);
  if (!(fx > 1 && fx < width - 1 && fy > 1 && fy < height - 1)) return;  // also skips NaN
  const int px = static_cast<int>(fx), py = static_cast<int>(fy);
  const float* row = m + static_cast<size_t>(py) * width;
  // float differences like numpy's on float32 maps; only their signs matter.
  const float dx = row[px + 1] - row[px - 1];
  const float dy = row[px + width] - row[px - width];
  p.x += 0.25f * sign_of(dx);
  p.y += 0.25f * sign_of(dy);
}

std::vector<KeypointPred> decode_heatmaps(const float* hm, const HeatmapShape& s, PostProcess mode,
                                          int dark_kernel) {
  std::vector<KeypointPred> preds = get_max_preds(hm, s);
  switch (mode) {
    case PostProcess::None:
      break;
    case PostProcess::Default:
      for (int i = 0; i < s.n; ++i)
        for (int j = 0; j < s.joints; ++j)
          quarter_offset(hm + s.map_offset(i, j), s.height, s.width,
                         preds[static_cast<size_t>(i) * s.joints + j]);
      break;
    case PostProcess::Dark:
      dark_refine(hm, s, preds, dark_kernel);
      break;
  }
  return preds;
}

std::vector<KeypointPred> get_final_preds(const float* hm, const HeatmapShape& s,
                                          std::span<const std::array<double, 2>> centers,
                                          std::span<const std::array<double, 2>> scales,
                                          PostProcess mode, int dark_kernel) {
  s.validate("get_final_preds");
  HR_CHECK(centers.size() == static_cast<size_t>(s.n) && scales.size() == static_cast<size_t>(s.n),
           "get_final_preds: {} heatmap instances but {} centers and {} scales", s.n,
           centers.size(), scales.size());
  std::vector<KeypointPred> preds = decode_heatmaps(hm, s, mode, dark_kernel);
  for (int i = 0; i < s.n; ++i)
    for (int j = 0; j < s.joints; ++j) {
      KeypointPred& k = preds[static_cast<size_t>(i) * s.joints + j];
      const auto p = transform_preds(k.x, k.y, centers[i], scales[i], s.width, s.height);
      k.x = static_cast<float>(p[0]);
      k.y = static_cast<float>(p[1]);
    }
  return preds;
}

}  // namespace hr::data::post
