// Nearest-neighbour upsampling by an integer factor, NHWC. (H, W) are the LOW-resolution
// extents; the output is [N][H*f][W*f][C]. Backward sums each f x f block of output
// gradients into its source pixel (accumulating into dx).
#pragma once
#include <cstdint>

#include "kernels/common/hd.h"
#include "kernels/common/stream.h"

namespace hr::kern {

// Source pixel of output pixel (oh, ow).
HR_HD int upsample_src(int o, int factor) { return o / factor; }

template <typename T>
void upsample_nearest_forward_cpu(int N, int H, int W, int C, int factor, const T* x, T* y);

template <typename T>
void upsample_nearest_backward_cpu(int N, int H, int W, int C, int factor, const T* dy, T* dx);

// CUDA (f32 device pointers): one thread per output element forward; backward one thread per
// input element gathering its f x f block in the CPU's order (bitwise equal sums).
void upsample_nearest_forward_cuda(int N, int H, int W, int C, int factor, const float* x, float* y, Stream stream);
void upsample_nearest_backward_cuda(int N, int H, int W, int C, int factor, const float* dy, float* dx,
                                    Stream stream);

}  // namespace hr::kern
