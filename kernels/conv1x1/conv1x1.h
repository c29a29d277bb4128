// The native 1x1 convolution (stride 1, no padding) forward, f32, NHWC: the first kernel
// written for the grid emulator (docs/kernels.md). One block body (block.h) serves both
// entry points. Not used by the engine yet: conv2d on CUDA stays on cuBLAS/cuDNN until the
// kernel registry checks native kernels against them at run time.
//
//   y[m][n] = sum_k x[m][k] * w[n][k] (+ bias[n]),  m < M = N*H*W, x [M][Cin], w [Cout][Cin]
//
// Each y element is fmaf(x[m][k], w[n][k], .) over k = 0..Cin-1 in order starting from 0,
// then + bias[n]: the CPU emulator and a GPU give the same bits.
#pragma once
#include <cstdint>

#include "kernels/common/stream.h"
#include "kernels/emu/options.h"

namespace hr::kern {

// The block body run by the CPU grid emulator (host pointers). Slow by design (one
// std::function call per thread and phase): for tests at small sizes.
void conv1x1_forward_emu(int64_t M, int Cin, int Cout, const float* x, const float* w, const float* bias, float* y,
                         const emu::EmuOptions& opt = {});

// The same block body on the GPU (device pointers), built when CUDA is on.
void conv1x1_forward_native_cuda(int64_t M, int Cin, int Cout, const float* x, const float* w, const float* bias,
                                 float* y, Stream stream);

}  // namespace hr::kern
