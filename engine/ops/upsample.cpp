#include "engine/ops.h"
#include "engine/cuda/device.h"
#include "engine/ops/dispatch.h"
#include "kernels/upsample/upsample.h"

namespace hr::ops {

using detail::dispatch;

Var upsample_nearest(const Var& x, int factor) {
  const Tensor& X = x.value();
  check_ndim(X, 4, "upsample_nearest input");
  HR_CHECK(factor >= 1, "upsample_nearest: factor must be a positive integer, got {}", factor);
  const int N = int(X.size(0)), H = int(X.size(1)), W = int(X.size(2)), C = int(X.size(3));
  Tensor Y = Tensor::empty(Shape{N, int64_t(H) * factor, int64_t(W) * factor, C}, X.dtype(), X.device());
  dispatch("upsample_nearest", X, [&](auto tag) {
    using T = decltype(tag);
    kern::upsample_nearest_forward_cpu<T>(N, H, W, C, factor, X.data<T>(), Y.data<T>());
  }, [&](auto) {
    kern::upsample_nearest_forward_cuda(N, H, W, C, factor, X.data<float>(), Y.data<float>(),
                                        cuda::compute_stream());
  });
  return record_op1("upsample_nearest", {x}, Y,
                    [N, H, W, C, factor](const std::vector<Tensor>& gout, std::vector<Tensor>& gin) {
    dispatch("upsample_nearest backward", gout[0], [&](auto tag) {
      using T = decltype(tag);
      kern::upsample_nearest_backward_cpu<T>(N, H, W, C, factor, gout[0].data<T>(), gin[0].data<T>());
    }, [&](auto) {
      kern::upsample_nearest_backward_cuda(N, H, W, C, factor, gout[0].data<float>(), gin[0].data<float>(),
                                           cuda::compute_stream());
    });
  });
}

}  // namespace hr::ops
