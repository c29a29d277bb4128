#include "engine/ops.h"
#include "engine/cuda/conv_registry.h"
#include "engine/cuda/device.h"
#include "engine/ops/conv_core.h"
#include "engine/ops/dispatch.h"
#include "kernels/conv/conv.h"

namespace hr::ops {

using detail::check_compatible;
using detail::dispatch;
using detail::float_ptr;

namespace detail {

kern::ConvDesc conv2d_desc(const char* op, const Tensor& X, const Tensor& Wt, const Tensor* bias, int stride) {
  check_ndim(X, 4, "conv2d input");
  check_ndim(Wt, 4, "conv2d weight");
  check_compatible(op, X, Wt, "weight");
  const int K = int(Wt.size(1));
  HR_CHECK(Wt.size(2) == K && (K == 1 || K == 3), "{}: weight {} must be [Cout, K, K, Cin] with K = 1 or 3", op,
           Wt.desc());
  HR_CHECK(Wt.size(3) == X.size(3), "{}: weight {} expects {} input channels, input {} has {}", op, Wt.desc(),
           Wt.size(3), X.desc(), X.size(3));
  HR_CHECK(stride == 1 || stride == 2, "{}: stride must be 1 or 2, got {}", op, stride);
  const kern::ConvDesc d = kern::make_conv_desc(int(X.size(0)), int(X.size(1)), int(X.size(2)),
                                                int(X.size(3)), int(Wt.size(0)), K, stride);
  HR_CHECK(d.Ho > 0 && d.Wo > 0, "{}: input {} is too small", op, X.desc());
  if (bias) {
    check_compatible(op, X, *bias, "bias");
    check_shape(*bias, Shape{d.Cout}, "conv2d bias");
  }
  return d;
}

void conv2d_forward_into(const kern::ConvDesc& d, const Tensor& X, const Tensor& Wt, const Tensor& bias, Tensor& Y) {
  const bool has_bias = bias.defined();
  dispatch("conv2d", X, [&](auto tag) {
    using T = decltype(tag);
    kern::conv2d_forward_cpu<T>(d, X.data<T>(), Wt.data<T>(), has_bias ? bias.data<T>() : nullptr, Y.data<T>());
  }, [&](auto) {
    cuda::DeviceWorkspace ws;
    cuda::conv_forward_dispatch(d, X.data<float>(), Wt.data<float>(), has_bias ? bias.data<float>() : nullptr,
                                Y.data<float>(), ws, cuda::compute_stream());
  });
}

void conv2d_backward_into(const kern::ConvDesc& d, const Tensor& X, const Tensor& Wt, const Tensor& dY, Tensor& gX,
                          Tensor& gW, Tensor& gB) {
  const bool want_bias = gB.defined();
  dispatch("conv2d backward", dY, [&](auto tag) {
    using T = decltype(tag);
    if (gX.defined()) kern::conv2d_backward_data_cpu<T>(d, dY.data<T>(), Wt.data<T>(), gX.data<T>());
    if (gW.defined() || want_bias) {
      // The weight kernel produces dW and dbias together; a scratch dW serves a caller that
      // only wants the bias gradient.
      Tensor dW = gW.defined() ? gW : Tensor::zeros(Wt.shape(), Wt.dtype(), Wt.device());
      kern::conv2d_backward_weight_cpu<T>(d, X.data<T>(), dY.data<T>(), dW.data<T>(),
                                          want_bias ? gB.data<T>() : nullptr);
    }
  }, [&](auto) {
    cuda::DeviceWorkspace ws;
    const kern::Stream s = cuda::compute_stream();
    if (gX.defined()) cuda::conv_backward_data_dispatch(d, dY.data<float>(), Wt.data<float>(), gX.data<float>(), ws, s);
    if (gW.defined() || want_bias)  // on CUDA dw and dbias are separate: no scratch dW
      cuda::conv_backward_weight_dispatch(d, X.data<float>(), dY.data<float>(), float_ptr(gW),
                                          want_bias ? gB.data<float>() : nullptr, ws, s);
  });
}

}  // namespace detail

Var conv2d(const Var& x, const Var& w, const Var& bias, int stride) {
  const Tensor& X = x.value();
  const Tensor& Wt = w.value();
  const bool has_bias = bias.defined();
  const kern::ConvDesc d = detail::conv2d_desc("conv2d", X, Wt, has_bias ? &bias.value() : nullptr, stride);
  Tensor Y = Tensor::empty(Shape{d.N, d.Ho, d.Wo, d.Cout}, X.dtype(), X.device());
  detail::conv2d_forward_into(d, X, Wt, has_bias ? bias.value() : Tensor(), Y);

  std::vector<Var> inputs{x, w};
  if (has_bias) inputs.push_back(bias);
  return record_op1("conv2d", inputs, Y,
                    [d, X, Wt, has_bias](const std::vector<Tensor>& gout, std::vector<Tensor>& gin) {
    Tensor none;
    detail::conv2d_backward_into(d, X, Wt, gout[0], gin[0], gin[1], has_bias ? gin[2] : none);
  });
}

}  // namespace hr::ops
