// Device and dtype dispatch for the op implementations in engine/ops/.
#pragma once
#include "engine/error.h"
#include "engine/tensor.h"

namespace hr::ops::detail {

// Calls f(T{}) with T = float or double according to t's dtype, on the CPU backend.
// CUDA tensors are routed by each op to its CUDA kernels; an op without them says so.
template <typename F>
void dispatch_cpu(const char* op, const Tensor& t, F&& f) {
  HR_CHECK(t.device() == Device::CPU,
           "{}: no CUDA implementation of this op in this build (tensor {})", op, t.desc());
  switch (t.dtype()) {
    case DType::f32: f(float{}); return;
    case DType::f64: f(double{}); return;
    default: fail("{}: unsupported dtype for {}", op, t.desc());
  }
}

inline void check_compatible(const char* op, const Tensor& ref, const Tensor& t, const char* what) {
  check_defined(t, what);
  HR_CHECK(t.dtype() == ref.dtype() && t.device() == ref.device(),
           "{}: {} is {} but the input is {}", op, what, t.desc(), ref.desc());
}

}  // namespace hr::ops::detail
