#include "engine/cuda/device.h"
#include "engine/ops.h"
#include "engine/ops/dispatch.h"
#include "kernels/heatmap/heatmap.h"

namespace hr::ops {

HeatmapPeaks heatmap_peaks(const Tensor& hm) {
  check_ndim(hm, 4, "heatmap_peaks input");
  HR_CHECK(hm.dtype() == DType::f32, "heatmap_peaks: heatmaps must be f32, got {}", hm.desc());
  const int B = int(hm.size(0)), J = int(hm.size(3));
  const int64_t HW = hm.size(1) * hm.size(2);
  HR_CHECK(HW > 0, "heatmap_peaks: empty maps in {}", hm.desc());
  const Shape out{B, J};
  HeatmapPeaks p{Tensor::empty(out, DType::i64, hm.device()), Tensor::empty(out, DType::f32, hm.device())};
  detail::dispatch("heatmap_peaks", hm, [&](auto) {
    kern::heatmap_argmax_cpu(B, HW, J, hm.data<float>(), p.index.data<int64_t>(), p.value.data<float>());
  }, [&](auto) {
    kern::heatmap_argmax_cuda(B, HW, J, hm.data<float>(), p.index.data<int64_t>(), p.value.data<float>(),
                              cuda::compute_stream());
  });
  return {p.index.to(Device::CPU), p.value.to(Device::CPU)};
}

}  // namespace hr::ops
