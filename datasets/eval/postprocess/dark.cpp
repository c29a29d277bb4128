#include "datasets/eval/postprocess/dark.h"

#include <algorithm>
#include <cmath>

#include "engine/error.h"

namespace hr::data::post {

namespace {

void check_ksize(int ksize, const char* fn) {
  HR_CHECK(ksize > 0 && ksize % 2 == 1, "{}: DARK kernel size {} must be odd and positive", fn,
           ksize);
}

// np.max over a map: NaN propagates.
float map_max(const float* m, size_t n) {
  float best = m[0];
  for (size_t i = 0; i < n; ++i) {
    if (std::isnan(m[i])) return m[i];
    best = std::max(best, m[i]);
  }
  return best;
}

bool stencil_fits(const KeypointPred& p, int height, int width) {
  if (!std::isfinite(p.x) || !std::isfinite(p.y)) return false;
  const double px = std::trunc(static_cast<double>(p.x));  // Python int(): toward zero
  const double py = std::trunc(static_cast<double>(p.y));
  return px > 1 && px < width - 2 && py > 1 && py < height - 2;
}

}  // namespace

std::vector<float> dark_gaussian_kernel(int ksize) {
  check_ksize(ksize, "dark_gaussian_kernel");
  const double sigma = 0.3 * ((ksize - 1) * 0.5 - 1) + 0.8;
  const double scale2x = -0.5 / (sigma * sigma);
  std::vector<double> w(ksize);
  double sum = 0;
  for (int i = 0; i < ksize; ++i) {
    const double x = i - (ksize - 1) * 0.5;
    w[i] = std::exp(scale2x * x * x);
    sum += w[i];
  }
  std::vector<float> k(ksize);
  for (int i = 0; i < ksize; ++i) k[i] = static_cast<float>(w[i] * (1.0 / sum));
  return k;
}

void dark_modulate(const float* map, int height, int width, int ksize, float* out) {
  check_ksize(ksize, "dark_modulate");
  HR_CHECK(height > 0 && width > 0, "dark_modulate: map size {}x{} must be positive", width,
           height);
  const std::vector<float> k = dark_gaussian_kernel(ksize);
  const int r = ksize / 2;
  const size_t n = static_cast<size_t>(height) * width;
  std::vector<float> rows(n);
  for (int y = 0; y < height; ++y) {
    const float* src = map + static_cast<size_t>(y) * width;
    for (int x = 0; x < width; ++x) {
      double acc = 0;
      for (int t = std::max(0, r - x); t < ksize && x + t - r < width; ++t)
        acc += static_cast<double>(k[t]) * src[x + t - r];
      rows[static_cast<size_t>(y) * width + x] = static_cast<float>(acc);
    }
  }
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      double acc = 0;
      for (int t = std::max(0, r - y); t < ksize && y + t - r < height; ++t)
        acc += static_cast<double>(k[t]) * rows[static_cast<size_t>(y + t - r) * width + x];
      out[static_cast<size_t>(y) * width + x] = static_cast<float>(acc);
    }
  const float factor = map_max(map, n) / map_max(out, n);
  for (size_t i = 0; i < n; ++i) out[i] *= factor;
}

bool dark_taylor_step(const float* L, int height, int width, KeypointPred& p) {
  if (!stencil_fits(p, height, width)) return false;
  const int px = static_cast<int>(p.x), py = static_cast<int>(p.y);
  auto at = [&](int y, int x) { return static_cast<double>(L[static_cast<size_t>(y) * width + x]); };
  const double c = at(py, px);
  const double dx = 0.5 * (at(py, px + 1) - at(py, px - 1));
  const double dy = 0.5 * (at(py + 1, px) - at(py - 1, px));
  const double dxx = 0.25 * (at(py, px + 2) - 2 * c + at(py, px - 2));
  const double dxy =
      0.25 * (at(py + 1, px + 1) - at(py - 1, px + 1) - at(py + 1, px - 1) + at(py - 1, px - 1));
  const double dyy = 0.25 * (at(py + 2, px) - 2 * c + at(py - 2, px));
  const double det = dxx * dyy - dxy * dxy;
  if (!(det != 0)) return false;  // mmpose: no step for a singular Hessian (NaN det does step)
  // -H^-1 d with H^-1 = [[dyy, -dxy], [-dxy, dxx]] / det.
  const double ox = -(dyy * dx - dxy * dy) / det;
  const double oy = -(dxx * dy - dxy * dx) / det;
  p.x = static_cast<float>(p.x + ox);
  p.y = static_cast<float>(p.y + oy);
  return true;
}

void dark_refine(const float* hm, const HeatmapShape& s, std::vector<KeypointPred>& preds,
                 int ksize) {
  s.validate("dark_refine");
  check_ksize(ksize, "dark_refine");
  HR_CHECK(preds.size() == static_cast<size_t>(s.n) * s.joints,
           "dark_refine: {} predictions for {} x {} maps", preds.size(), s.n, s.joints);
  std::vector<float> logs(s.map_size());
  for (int i = 0; i < s.n; ++i)
    for (int j = 0; j < s.joints; ++j) {
      KeypointPred& p = preds[static_cast<size_t>(i) * s.joints + j];
      if (!stencil_fits(p, s.height, s.width)) continue;  // the blur would be wasted
      dark_modulate(hm + s.map_offset(i, j), s.height, s.width, ksize, logs.data());
      for (float& v : logs) v = std::log(std::max(v, 1e-10f));  // NaN stays NaN, as np.maximum
      dark_taylor_step(logs.data(), s.height, s.width, p);
    }
}

}  // namespace hr::data::post
