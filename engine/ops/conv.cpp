#include "engine/ops.h"
#include "engine/cuda/conv_registry.h"
#include "engine/cuda/device.h"
#include "engine/ops/dispatch.h"
#include "kernels/conv/conv.h"

namespace hr::ops {

using detail::check_compatible;
using detail::dispatch;
using detail::float_ptr;

Var conv2d(const Var& x, const Var& w, const Var& bias, int stride) {
  const Tensor& X = x.value();
  const Tensor& Wt = w.value();
  check_ndim(X, 4, "conv2d input");
  check_ndim(Wt, 4, "conv2d weight");
  check_compatible("conv2d", X, Wt, "weight");
  const int K = int(Wt.size(1));
  HR_CHECK(Wt.size(2) == K && (K == 1 || K == 3),
           "conv2d: weight {} must be [Cout, K, K, Cin] with K = 1 or 3", Wt.desc());
  HR_CHECK(Wt.size(3) == X.size(3), "conv2d: weight {} expects {} input channels, input {} has {}",
           Wt.desc(), Wt.size(3), X.desc(), X.size(3));
  HR_CHECK(stride == 1 || stride == 2, "conv2d: stride must be 1 or 2, got {}", stride);
  const kern::ConvDesc d = kern::make_conv_desc(int(X.size(0)), int(X.size(1)), int(X.size(2)),
                                                int(X.size(3)), int(Wt.size(0)), K, stride);
  HR_CHECK(d.Ho > 0 && d.Wo > 0, "conv2d: input {} is too small", X.desc());
  const bool has_bias = bias.defined();
  if (has_bias) {
    check_compatible("conv2d", X, bias.value(), "bias");
    check_shape(bias.value(), Shape{d.Cout}, "conv2d bias");
  }

  Tensor Y = Tensor::empty(Shape{d.N, d.Ho, d.Wo, d.Cout}, X.dtype(), X.device());
  dispatch("conv2d", X, [&](auto tag) {
    using T = decltype(tag);
    kern::conv2d_forward_cpu<T>(d, X.data<T>(), Wt.data<T>(),
                                has_bias ? bias.value().data<T>() : nullptr, Y.data<T>());
  }, [&](auto) {
    cuda::DeviceWorkspace ws;
    cuda::conv_forward_dispatch(d, X.data<float>(), Wt.data<float>(),
                                has_bias ? bias.value().data<float>() : nullptr, Y.data<float>(), ws,
                                cuda::compute_stream());
  });

  std::vector<Var> inputs{x, w};
  if (has_bias) inputs.push_back(bias);
  return record_op1("conv2d", inputs, Y,
                    [d, X, Wt, has_bias](const std::vector<Tensor>& gout, std::vector<Tensor>& gin) {
    const Tensor& dY = gout[0];
    const bool want_bias = has_bias && gin[2].defined();
    dispatch("conv2d backward", dY, [&](auto tag) {
      using T = decltype(tag);
      if (gin[0].defined()) kern::conv2d_backward_data_cpu<T>(d, dY.data<T>(), Wt.data<T>(), gin[0].data<T>());
      if (gin[1].defined() || want_bias) {
        // The weight kernel produces dW and dbias together; a scratch dW serves a caller that
        // only wants the bias gradient.
        Tensor dW = gin[1].defined() ? gin[1] : Tensor::zeros(Wt.shape(), Wt.dtype(), Wt.device());
        kern::conv2d_backward_weight_cpu<T>(d, X.data<T>(), dY.data<T>(), dW.data<T>(),
                                            want_bias ? gin[2].data<T>() : nullptr);
      }
    }, [&](auto) {
      cuda::DeviceWorkspace ws;
      const kern::Stream s = cuda::compute_stream();
      if (gin[0].defined())
        cuda::conv_backward_data_dispatch(d, dY.data<float>(), Wt.data<float>(), gin[0].data<float>(), ws, s);
      if (gin[1].defined() || want_bias)  // on CUDA dw and dbias are separate: no scratch dW
        cuda::conv_backward_weight_dispatch(d, X.data<float>(), dY.data<float>(), float_ptr(gin[1]),
                                            want_bias ? gin[2].data<float>() : nullptr, ws, s);
    });
  });
}

}  // namespace hr::ops
