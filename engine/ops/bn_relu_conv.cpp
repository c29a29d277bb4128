// ops::batch_norm_relu_conv2d: conv2d(relu(batch_norm(x))) in training without storing the
// BN + ReLU output (see engine/ops.h).
#include "engine/ops.h"
#include "engine/cuda/device.h"
#include "engine/ops/bn_core.h"
#include "engine/ops/conv_core.h"
#include "engine/ops/dispatch.h"
#include "kernels/batchnorm/batchnorm.h"

namespace hr::ops {

using detail::dispatch;
using detail::float_ptr;

namespace {

// a = relu(bn(X)) from the saved statistics: the training forward's output, bit for bit.
Tensor bn_relu_output(int64_t rows, int C, const Tensor& X, const Tensor& mean, const Tensor& invstd, const Tensor& G,
                      const Tensor& B) {
  Tensor A = Tensor::empty(X.shape(), X.dtype(), X.device());
  dispatch("batch_norm_relu_conv2d", X, [&](auto tag) {
    using T = decltype(tag);
    kern::bn_apply_cpu<T>(rows, C, X.data<T>(), mean.data<T>(), invstd.data<T>(), G.data<T>(), B.data<T>(),
                          A.data<T>(), kern::BnAct<T>{nullptr, true});
  }, [&](auto) {
    cuda::DeviceWorkspace ws;
    kern::bn_apply_cuda(rows, C, X.data<float>(), mean.data<float>(), invstd.data<float>(), G.data<float>(),
                        B.data<float>(), A.data<float>(), ws, cuda::compute_stream(), kern::BnAct<float>{nullptr, true});
  });
  return A;
}

}  // namespace

Var batch_norm_relu_conv2d(const Var& x, const Var& gamma, const Var& beta, Tensor& running_mean, Tensor& running_var,
                           double momentum, double eps, const Var& w, const Var& bias, int stride) {
  const char* op = "batch_norm_relu_conv2d";
  const Tensor& X = x.value();
  detail::check_bn_params(op, X, gamma.value(), beta.value(), running_mean, running_var);
  const int C = int(X.size(3));
  const int64_t rows = X.numel() / std::max<int64_t>(C, 1);
  HR_CHECK(rows > 1, "{}: training needs more than one value per channel, input is {}", op, X.desc());
  const bool has_bias = bias.defined();
  const Tensor& Wt = w.value();
  const kern::ConvDesc d = detail::conv2d_desc(op, X, Wt, has_bias ? &bias.value() : nullptr, stride);

  // The batch norm's training forward (statistics, running update, the ReLU'd output A) ...
  // gamma and beta as they are now: the backward recomputes the output from them, and an
  // optimizer step before it must not change what it recomputes ([C] each: cheap).
  const Tensor G = gamma.value().clone(), B = beta.value().clone();
  Tensor A = Tensor::empty(X.shape(), X.dtype(), X.device());
  Tensor mean = Tensor::empty(Shape{C}, X.dtype(), X.device()), invstd = Tensor::empty(Shape{C}, X.dtype(), X.device());
  dispatch(op, X, [&](auto tag) {
    using T = decltype(tag);
    kern::bn_forward_train_cpu<T>(rows, C, X.data<T>(), G.data<T>(), B.data<T>(), eps, momentum, A.data<T>(),
                                  running_mean.data<T>(), running_var.data<T>(), mean.data<T>(), invstd.data<T>(),
                                  kern::BnAct<T>{nullptr, true});
  }, [&](auto) {
    cuda::DeviceWorkspace ws;
    kern::bn_forward_train_cuda(rows, C, X.data<float>(), G.data<float>(), B.data<float>(), eps, momentum,
                                A.data<float>(), running_mean.data<float>(), running_var.data<float>(),
                                mean.data<float>(), invstd.data<float>(), ws, cuda::compute_stream(),
                                kern::BnAct<float>{nullptr, true});
  });
  // ... then the convolution of A; A is dropped here, the node keeps x and the statistics.
  Tensor Y = Tensor::empty(Shape{d.N, d.Ho, d.Wo, d.Cout}, X.dtype(), X.device());
  const Tensor bias_t = has_bias ? bias.value() : Tensor();
  detail::conv2d_forward_into(d, A, Wt, bias_t, Y);
  A = Tensor();

  std::vector<Var> inputs{x, gamma, beta, w};
  if (has_bias) inputs.push_back(bias);
  return record_op1(op, inputs, Y,
                    [rows, C, X, G, B, mean, invstd, d, Wt, has_bias](const std::vector<Tensor>& gout,
                                                                       std::vector<Tensor>& gin) {
    // The same backward as conv2d's then batch_norm_act's on the stored A: A recomputed, the
    // conv's gradients (A's into a zeroed buffer, as autograd gives it), the BN's with A's mask.
    const Tensor Ar = bn_relu_output(rows, C, X, mean, invstd, G, B);
    const bool want_bn = gin[0].defined() || gin[1].defined() || gin[2].defined();
    Tensor dA = want_bn ? Tensor::zeros(Ar.shape(), Ar.dtype(), Ar.device()) : Tensor();
    Tensor none;
    detail::conv2d_backward_into(d, Ar, Wt, gout[0], dA, gin[3], has_bias ? gin[4] : none);
    if (!want_bn) return;
    dispatch("batch_norm_relu_conv2d backward", dA, [&](auto tag) {
      using T = decltype(tag);
      auto ptr = [](Tensor& t) { return t.defined() ? t.data<T>() : nullptr; };
      kern::bn_backward_train_cpu<T>(rows, C, X.data<T>(), dA.data<T>(), G.data<T>(), mean.data<T>(),
                                     invstd.data<T>(), ptr(gin[0]), ptr(gin[1]), ptr(gin[2]), Ar.data<T>(), nullptr);
    }, [&](auto) {
      cuda::DeviceWorkspace ws;
      kern::bn_backward_train_cuda(rows, C, X.data<float>(), dA.data<float>(), G.data<float>(), mean.data<float>(),
                                   invstd.data<float>(), float_ptr(gin[0]), float_ptr(gin[1]), float_ptr(gin[2]), ws,
                                   cuda::compute_stream(), Ar.data<float>(), nullptr);
    });
  });
}

}  // namespace hr::ops
