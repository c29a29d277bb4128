// Elementwise kernels over flat arrays. Backward kernels accumulate (+=); a null gradient
// pointer means that input needs no gradient.
#pragma once
#include <cstdint>

#include "kernels/common/hd.h"
#include "kernels/common/stream.h"

namespace hr::kern {

template <typename T> HR_HD T relu_value(T v) { return v > T(0) ? v : T(0); }
// The gradient passes where the OUTPUT is positive (PyTorch's in-place ReLU rule).
template <typename T> HR_HD T relu_grad(T y, T dy) { return y > T(0) ? dy : T(0); }

template <typename T> void relu_forward_cpu(int64_t n, const T* x, T* y);
template <typename T> void relu_backward_cpu(int64_t n, const T* y, const T* dy, T* dx);

template <typename T> void add_forward_cpu(int64_t n, const T* a, const T* b, T* y);
template <typename T> void add_relu_forward_cpu(int64_t n, const T* a, const T* b, T* y);
// y = relu(a + b): da += dy*(y>0), db += dy*(y>0).
template <typename T> void add_relu_backward_cpu(int64_t n, const T* y, const T* dy, T* da, T* db);

// dst += src (gradient accumulation).
template <typename T> void accumulate_cpu(int64_t n, const T* src, T* dst);

// CUDA versions (f32, device pointers), built when CUDA is on.
void relu_forward_cuda(int64_t n, const float* x, float* y, Stream stream);
void relu_backward_cuda(int64_t n, const float* y, const float* dy, float* dx, Stream stream);
void add_forward_cuda(int64_t n, const float* a, const float* b, float* y, Stream stream);
void add_relu_forward_cuda(int64_t n, const float* a, const float* b, float* y, Stream stream);
void add_relu_backward_cuda(int64_t n, const float* y, const float* dy, float* da, float* db, Stream stream);
void accumulate_cuda(int64_t n, const float* src, float* dst, Stream stream);
// *counter += 1 on the device (BatchNorm2d's num_batches_tracked, without a host round trip).
void increment_i64_cuda(int64_t* counter, Stream stream);

}  // namespace hr::kern
