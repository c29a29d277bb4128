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

// Routes by device: cpu(T{}) on the CPU (float or double), cuda() for f32 CUDA tensors.
// `cuda` must be a generic lambda (taking `auto`): its body is instantiated only in builds
// with CUDA, so the CUDA kernel symbols are never referenced where they do not exist.
template <typename Cpu, typename Cuda>
void dispatch(const char* op, const Tensor& t, Cpu&& cpu, Cuda&& cuda) {
  if (t.device() == Device::CUDA) {
#if defined(HRNET_WITH_CUDA)
    HR_CHECK(t.dtype() == DType::f32, "{}: CUDA tensors are f32, got {}", op, t.desc());
    cuda(0);
    return;
#else
    fail("{}: tensor {} is on CUDA but this build has no CUDA backend", op, t.desc());
#endif
  }
  dispatch_cpu(op, t, cpu);
}

// The f32 data of a gradient buffer, or null where that gradient is not wanted (undefined).
inline float* float_ptr(Tensor& t) { return t.defined() ? t.data<float>() : nullptr; }

inline void check_compatible(const char* op, const Tensor& ref, const Tensor& t, const char* what) {
  check_defined(t, what);
  HR_CHECK(t.dtype() == ref.dtype() && t.device() == ref.device(),
           "{}: {} is {} but the input is {}", op, what, t.desc(), ref.desc());
}

}  // namespace hr::ops::detail
