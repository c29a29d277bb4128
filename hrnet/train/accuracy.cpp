#include "hrnet/train/accuracy.h"

#include <cmath>
#include <vector>

#include "engine/error.h"
#include "engine/ops.h"
#include "kernels/heatmap/heatmap.h"

namespace hr::train {
namespace {

struct Peak {
  double x = 0.0, y = 0.0;
};

// get_max_preds' position for one map from its argmax (index over H*W) and maximum: (0, 0)
// when the maximum is not > 0.
Peak peak_of(int64_t index, float value, int64_t W) {
  if (!(value > 0.0f)) return {};
  return {double(index % W), double(index / W)};
}

// The accuracy from the peaks of output and target ([B][J] each, sample-major).
HeatmapAccuracy accuracy_from_peaks(const int64_t* out_index, const float* out_value, const int64_t* tgt_index,
                                    const float* tgt_value, int64_t B, int64_t H, int64_t W, int64_t J,
                                    double thr) {
  // The official norm is np.array([h, w]) / 10 applied to (x, y): the quirk is deliberate.
  const double norm_x = double(H) / 10.0, norm_y = double(W) / 10.0;
  HeatmapAccuracy r;
  r.per_joint.assign(size_t(J), -1.0);
  double sum = 0.0;
  for (int64_t j = 0; j < J; ++j) {
    int64_t counted = 0, hits = 0;
    for (int64_t b = 0; b < B; ++b) {
      const Peak t = peak_of(tgt_index[b * J + j], tgt_value[b * J + j], W);
      if (!(t.x > 1.0 && t.y > 1.0)) continue;
      const Peak p = peak_of(out_index[b * J + j], out_value[b * J + j], W);
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

}  // namespace

HeatmapAccuracy heatmap_accuracy(const float* output, const float* target, int64_t B, int64_t H,
                                 int64_t W, int64_t J, double thr) {
  std::vector<int64_t> oi(size_t(B * J)), ti(size_t(B * J));
  std::vector<float> ov(size_t(B * J)), tv(size_t(B * J));
  kern::heatmap_argmax_cpu(int(B), H * W, int(J), output, oi.data(), ov.data());
  kern::heatmap_argmax_cpu(int(B), H * W, int(J), target, ti.data(), tv.data());
  return accuracy_from_peaks(oi.data(), ov.data(), ti.data(), tv.data(), B, H, W, J, thr);
}

HeatmapAccuracy heatmap_accuracy(const Tensor& output, const Tensor& target, double thr) {
  HR_CHECK(output.ndim() == 4 && output.shape() == target.shape(),
           "heatmap_accuracy: output {} and target {} must be the same [B, H, W, J]", output.desc(),
           target.desc());
  // The peaks are found where the maps are (on CUDA only B*J pairs cross the bus).
  const ops::HeatmapPeaks o = ops::heatmap_peaks(output), t = ops::heatmap_peaks(target);
  return accuracy_from_peaks(o.index.data<int64_t>(), o.value.data<float>(), t.index.data<int64_t>(),
                             t.value.data<float>(), output.size(0), output.size(1), output.size(2), output.size(3),
                             thr);
}

}  // namespace hr::train
