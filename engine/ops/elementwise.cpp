#include "engine/ops.h"
#include "engine/cuda/device.h"
#include "engine/ops/dispatch.h"
#include "kernels/elementwise/elementwise.h"

namespace hr::ops {

using detail::check_compatible;
using detail::dispatch;
using detail::dispatch_cpu;

Var relu(const Var& x) {
  const Tensor& X = x.value();
  check_defined(X, "relu input");
  Tensor Y = Tensor::empty(X.shape(), X.dtype(), X.device());
  dispatch("relu", X, [&](auto tag) {
    using T = decltype(tag);
    kern::relu_forward_cpu<T>(X.numel(), X.data<T>(), Y.data<T>());
  }, [&](auto) {
    kern::relu_forward_cuda(X.numel(), X.data<float>(), Y.data<float>(), cuda::compute_stream());
  });
  return record_op1("relu", {x}, Y, [Y](const std::vector<Tensor>& gout, std::vector<Tensor>& gin) {
    dispatch("relu backward", Y, [&](auto tag) {
      using T = decltype(tag);
      kern::relu_backward_cpu<T>(Y.numel(), Y.data<T>(), gout[0].data<T>(), gin[0].data<T>());
    }, [&](auto) {
      kern::relu_backward_cuda(Y.numel(), Y.data<float>(), gout[0].data<float>(), gin[0].data<float>(),
                               cuda::compute_stream());
    });
  });
}

static void check_binary(const char* op, const Tensor& A, const Tensor& B) {
  check_defined(A, op);
  check_compatible(op, A, B, "second operand");
  HR_CHECK(A.shape() == B.shape(), "{}: operand shapes differ: {} and {}", op, A.desc(), B.desc());
}

Var add(const Var& a, const Var& b) {
  const Tensor &A = a.value(), &B = b.value();
  check_binary("add", A, B);
  Tensor Y = Tensor::empty(A.shape(), A.dtype(), A.device());
  dispatch("add", A, [&](auto tag) {
    using T = decltype(tag);
    kern::add_forward_cpu<T>(A.numel(), A.data<T>(), B.data<T>(), Y.data<T>());
  }, [&](auto) {
    kern::add_forward_cuda(A.numel(), A.data<float>(), B.data<float>(), Y.data<float>(), cuda::compute_stream());
  });
  return record_op1("add", {a, b}, Y, [](const std::vector<Tensor>& gout, std::vector<Tensor>& gin) {
    for (Tensor& g : gin)
      if (g.defined()) accumulate_into(g, gout[0]);
  });
}

Var add_relu(const Var& a, const Var& b) {
  const Tensor &A = a.value(), &B = b.value();
  check_binary("add_relu", A, B);
  Tensor Y = Tensor::empty(A.shape(), A.dtype(), A.device());
  dispatch("add_relu", A, [&](auto tag) {
    using T = decltype(tag);
    kern::add_relu_forward_cpu<T>(A.numel(), A.data<T>(), B.data<T>(), Y.data<T>());
  }, [&](auto) {
    kern::add_relu_forward_cuda(A.numel(), A.data<float>(), B.data<float>(), Y.data<float>(),
                                cuda::compute_stream());
  });
  return record_op1("add_relu", {a, b}, Y, [Y](const std::vector<Tensor>& gout, std::vector<Tensor>& gin) {
    auto ptr = [](Tensor& t, auto tag) { return t.defined() ? t.data<decltype(tag)>() : nullptr; };
    dispatch("add_relu backward", Y, [&](auto tag) {
      using T = decltype(tag);
      kern::add_relu_backward_cpu<T>(Y.numel(), Y.data<T>(), gout[0].data<T>(), ptr(gin[0], tag), ptr(gin[1], tag));
    }, [&](auto) {
      kern::add_relu_backward_cuda(Y.numel(), Y.data<float>(), gout[0].data<float>(), ptr(gin[0], 0.0f),
                                   ptr(gin[1], 0.0f), cuda::compute_stream());
    });
  });
}

}  // namespace hr::ops

namespace hr {

void accumulate_into(Tensor& dst, const Tensor& src) {
  ops::detail::check_compatible("accumulate", dst, src, "gradient");
  HR_CHECK(dst.shape() == src.shape(), "accumulate: shapes differ: {} and {}", dst.desc(), src.desc());
  ops::detail::dispatch("accumulate", dst, [&](auto tag) {
    using T = decltype(tag);
    kern::accumulate_cpu<T>(dst.numel(), src.data<T>(), dst.data<T>());
  }, [&](auto) {
    kern::accumulate_cuda(dst.numel(), src.data<float>(), dst.data<float>(), cuda::compute_stream());
  });
}

}  // namespace hr
