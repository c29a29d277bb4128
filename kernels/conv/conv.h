// Convolution kernels, NHWC activations, weights [Cout][K][K][Cin], padding K/2.
// The CPU versions are the ground truth for every other backend.
// Contract shared by all backends: forward overwrites y; backward kernels ACCUMULATE into
// dx / dw / dbias (the engine zero-fills a gradient buffer before its first use).
#pragma once
#include "kernels/common/conv_shape.h"

namespace hr::kern {

// Below this many multiply-adds per thread chunk (~10 us of GEMM) waking another thread costs
// about as much as it saves, so tiny layers (test sizes) stay on the calling thread. Shared
// with hrnet-bench ops, whose GEMM baseline must split rows exactly as the conv does.
constexpr int64_t kConvMinChunkMacs = int64_t(1) << 18;

template <typename T>
void conv2d_forward_cpu(const ConvDesc& d, const T* x, const T* w, const T* bias, T* y);

template <typename T>
void conv2d_backward_data_cpu(const ConvDesc& d, const T* dy, const T* w, T* dx);

// dbias may be null (no bias).
template <typename T>
void conv2d_backward_weight_cpu(const ConvDesc& d, const T* x, const T* dy, T* dw, T* dbias);

// A plain direct convolution, seven nested loops, no threads: the readable reference that
// the fast CPU path is tested against.
template <typename T>
void conv2d_forward_reference(const ConvDesc& d, const T* x, const T* w, const T* bias, T* y);

}  // namespace hr::kern
