#include "engine/ops.h"
#include "engine/cuda/device.h"
#include "engine/ops/bn_core.h"
#include "engine/ops/dispatch.h"
#include "kernels/batchnorm/batchnorm.h"

namespace hr::ops {

using detail::check_compatible;
using detail::dispatch;
using detail::float_ptr;

void detail::check_bn_params(const char* op, const Tensor& X, const Tensor& gamma, const Tensor& beta,
                             const Tensor& running_mean, const Tensor& running_var) {
  check_ndim(X, 4, "batch_norm input");
  const Shape cs{X.size(3)};
  for (auto [t, what] : {std::pair<const Tensor*, const char*>{&gamma, "batch_norm weight"},
                         {&beta, "batch_norm bias"},
                         {&running_mean, "batch_norm running_mean"},
                         {&running_var, "batch_norm running_var"}}) {
    check_compatible(op, X, *t, what);
    check_shape(*t, cs, what);
  }
}

Var batch_norm(const Var& x, const Var& gamma, const Var& beta, Tensor& running_mean,
               Tensor& running_var, bool training, double momentum, double eps) {
  return batch_norm_act(x, gamma, beta, running_mean, running_var, training, momentum, eps, Var(), false);
}

Var batch_norm_act(const Var& x, const Var& gamma, const Var& beta, Tensor& running_mean, Tensor& running_var,
                   bool training, double momentum, double eps, const Var& residual, bool relu) {
  const Tensor& X = x.value();
  detail::check_bn_params("batch_norm", X, gamma.value(), beta.value(), running_mean, running_var);
  const int C = int(X.size(3));
  const int64_t rows = X.numel() / std::max<int64_t>(C, 1);
  const Shape cs{C};
  const bool has_res = residual.defined();
  const Tensor R = has_res ? residual.value() : Tensor();
  if (has_res) {
    check_compatible("batch_norm", X, R, "residual");
    HR_CHECK(R.shape() == X.shape(), "batch_norm: the residual {} differs in shape from the input {}", R.desc(),
             X.desc());
  }
  HR_CHECK(!training || rows > 1,
           "batch_norm: training needs more than one value per channel, input is {}", X.desc());

  const char* name = relu ? (has_res ? "batch_norm_add_relu" : "batch_norm_relu") : (has_res ? "batch_norm_add" : "batch_norm");
  const char* eval_name = relu ? (has_res ? "batch_norm_add_relu_eval" : "batch_norm_relu_eval")
                               : (has_res ? "batch_norm_add_eval" : "batch_norm_eval");
  std::vector<Var> inputs{x, gamma, beta};
  if (has_res) inputs.push_back(residual);
  Tensor Y = Tensor::empty(X.shape(), X.dtype(), X.device());
  const Tensor G = gamma.value(), B = beta.value();
  // The backward's ReLU mask is the output itself (held by the closure, as relu does).
  const Tensor Ymask = relu ? Y : Tensor();
  auto act = [&](auto tag) {
    using T = decltype(tag);
    return kern::BnAct<T>{has_res ? R.data<T>() : nullptr, relu};
  };
  // The residual's gradient: gin[3] when there is a residual that wants one.
  auto dres = [has_res](std::vector<Tensor>& gin, auto tag) {
    using T = decltype(tag);
    return has_res && gin[3].defined() ? gin[3].data<T>() : nullptr;
  };
  auto mask = [](const Tensor& m, auto tag) {
    using T = decltype(tag);
    return m.defined() ? m.data<T>() : nullptr;
  };
  if (training) {
    Tensor mean = Tensor::empty(cs, X.dtype(), X.device());
    Tensor invstd = Tensor::empty(cs, X.dtype(), X.device());
    dispatch(name, X, [&](auto tag) {
      using T = decltype(tag);
      kern::bn_forward_train_cpu<T>(rows, C, X.data<T>(), G.data<T>(), B.data<T>(), eps, momentum,
                                    Y.data<T>(), running_mean.data<T>(), running_var.data<T>(),
                                    mean.data<T>(), invstd.data<T>(), act(tag));
    }, [&](auto) {
      cuda::DeviceWorkspace ws;
      kern::bn_forward_train_cuda(rows, C, X.data<float>(), G.data<float>(), B.data<float>(), eps, momentum,
                                  Y.data<float>(), running_mean.data<float>(), running_var.data<float>(),
                                  mean.data<float>(), invstd.data<float>(), ws, cuda::compute_stream(), act(0.f));
    });
    return record_op1(name, inputs, Y,
                      [rows, C, X, G, mean, invstd, Ymask, dres, mask](const std::vector<Tensor>& gout,
                                                                       std::vector<Tensor>& gin) {
      dispatch("batch_norm backward", gout[0], [&](auto tag) {
        using T = decltype(tag);
        auto ptr = [](Tensor& t) { return t.defined() ? t.data<T>() : nullptr; };
        kern::bn_backward_train_cpu<T>(rows, C, X.data<T>(), gout[0].data<T>(), G.data<T>(),
                                       mean.data<T>(), invstd.data<T>(), ptr(gin[0]), ptr(gin[1]),
                                       ptr(gin[2]), mask(Ymask, tag), dres(gin, tag));
      }, [&](auto) {
        cuda::DeviceWorkspace ws;
        kern::bn_backward_train_cuda(rows, C, X.data<float>(), gout[0].data<float>(), G.data<float>(),
                                     mean.data<float>(), invstd.data<float>(), float_ptr(gin[0]),
                                     float_ptr(gin[1]), float_ptr(gin[2]), ws, cuda::compute_stream(),
                                     mask(Ymask, 0.f), dres(gin, 0.f));
      });
    });
  }

  const Tensor RM = running_mean, RV = running_var;
  dispatch(name, X, [&](auto tag) {
    using T = decltype(tag);
    kern::bn_forward_eval_cpu<T>(rows, C, X.data<T>(), G.data<T>(), B.data<T>(), RM.data<T>(),
                                 RV.data<T>(), eps, Y.data<T>(), act(tag));
  }, [&](auto) {
    cuda::DeviceWorkspace ws;
    kern::bn_forward_eval_cuda(rows, C, X.data<float>(), G.data<float>(), B.data<float>(), RM.data<float>(),
                               RV.data<float>(), eps, Y.data<float>(), ws, cuda::compute_stream(), act(0.f));
  });
  // Snapshot the statistics the forward used, so that a later training-mode call that updates
  // them in place cannot change this node's backward.
  // (Only needed when a backward can happen; inference under NoGradGuard skips the copy.)
  bool needs_grad = false;
  for (const Var& v : inputs) needs_grad = needs_grad || v.requires_grad();
  needs_grad = needs_grad && grad_enabled();
  const Tensor rm = needs_grad ? RM.clone() : Tensor(), rv = needs_grad ? RV.clone() : Tensor();
  return record_op1(eval_name, inputs, Y,
                    [rows, C, X, G, rm, rv, eps, Ymask, dres, mask](const std::vector<Tensor>& gout,
                                                                    std::vector<Tensor>& gin) {
    dispatch("batch_norm backward", gout[0], [&](auto tag) {
      using T = decltype(tag);
      auto ptr = [](Tensor& t) { return t.defined() ? t.data<T>() : nullptr; };
      kern::bn_backward_eval_cpu<T>(rows, C, X.data<T>(), gout[0].data<T>(), G.data<T>(),
                                    rm.data<T>(), rv.data<T>(), eps, ptr(gin[0]), ptr(gin[1]),
                                    ptr(gin[2]), mask(Ymask, tag), dres(gin, tag));
    }, [&](auto) {
      cuda::DeviceWorkspace ws;
      kern::bn_backward_eval_cuda(rows, C, X.data<float>(), gout[0].data<float>(), G.data<float>(),
                                  rm.data<float>(), rv.data<float>(), eps, float_ptr(gin[0]), float_ptr(gin[1]),
                                  float_ptr(gin[2]), ws, cuda::compute_stream(), mask(Ymask, 0.f),
                                  dres(gin, 0.f));
    });
  });
}

}  // namespace hr::ops
