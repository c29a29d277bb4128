#include "hrnet/train/accuracy.h"

#include <cmath>

#include "engine/error.h"

namespace hr::train {
namespace {

struct Peak {
  double x = 0.0, y = 0.0;
};

// get_max_preds for one (sample, joint) of an NHWC map: first maximum, (0, 0) when <= 0.
Peak argmax(const float* maps, int64_t b, int64_t j, int64_t H, int64_t W, int64_t J) {
  const float* base = maps + b * H * W * J + j;
  int64_t best = 0;
  float best_v = base[0];
  for (int64_t p = 1; p < H * W; ++p) {
    // Strictly greater keeps the first maximum, as np.argmax does; a NaN never wins here
    // (np.argmax would pick it), which only matters for a diverged network.
    if (base[p * J] > best_v) {
      best_v = base[p * J];
      best = p;
    }
  }
  if (!(best_v > 0.0f)) return {};
  return {double(best % W), double(best / W)};
}

}  // namespace

HeatmapAccuracy heatmap_accuracy(const float* output, const float* target, int64_t B, int64_t H,
                                 int64_t W, int64_t J, double thr) {
  // The official norm is np.array([h, w]) / 10 applied to (x, y): the quirk is deliberate.
  const double norm_x = double(H) / 10.0, norm_y = double(W) / 10.0;
  HeatmapAccuracy r;
  r.per_joint.assign(size_t(J), -1.0);
  double sum = 0.0;
  for (int64_t j = 0; j < J; ++j) {
    int64_t counted = 0, hits = 0;
    for (int64_t b = 0; b < B; ++b) {
      const Peak t = argmax(target, b, j, H, W, J);
      if (!(t.x > 1.0 && t.y > 1.0)) continue;
      const Peak p = argmax(output, b, j, H, W, J);
      const double dx = p.x / norm_x - t.x / norm_x, dy = p.y / norm_y - t.y / norm_y;
      ++counted;
      if (std::sqrt(dx * dx + dy * dy) < thr) ++hits;
    }
    if (counted == 0) continue;
    r.per_joint[size_t(j)] = double(hits) / double(counted);
    sum += r.per_joint[size_t(j)];
    ++r.count;
  }
  r.avg = r.count > 0 ? sum / r.count : 0.0;
  return r;
}

HeatmapAccuracy heatmap_accuracy(const Tensor& output, const Tensor& target, double thr) {
  HR_CHECK(output.ndim() == 4 && output.shape() == target.shape(),
           "heatmap_accuracy: output {} and target {} must be the same [B, H, W, J]", output.desc(),
           target.desc());
  const Tensor o = output.to(Device::CPU), t = target.to(Device::CPU);
  return heatmap_accuracy(o.data<float>(), t.data<float>(), o.size(0), o.size(1), o.size(2),
                          o.size(3), thr);
}

}  // namespace hr::train
