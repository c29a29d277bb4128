// Argument checks shared by the emulator and CUDA entry points of the native convolutions.
#pragma once
#include <cstdint>

#include "kernels/common/conv_shape.h"

namespace hr::kern::native {

constexpr int kMaxSplits = 64;

// Throws hr::Error naming `fn`, the reason and the shapes when conv_native_unsupported(d).
void check_supported(const ConvDesc& d, const char* fn);
struct ConvEpilogue;
// Throws when the epilogue does not fit the shape: a broadcast factor outside 1..2^5, or a
// larger output that the broadcast would not cover (out extent beyond Ho << up) or that is
// smaller than the low-resolution map itself.
void check_epilogue(const ConvDesc& d, const ConvEpilogue& ep, const char* fn);
// Throws when a GEMM of M x N outputs in TM x TN tiles with `splits` would exceed the grid
// limits of a launch (x below 2^31, y and z at most 65535): checked per pass, since the data
// gradient's M (input pixels) and the weight gradient's N (K*K*Cin) differ from the forward's.
void check_grid(int64_t M, int64_t N, int splits, int TM, int TN, const ConvDesc& d, const char* fn);
// The split-K factor to use: conv_native_wgrad_splits(d) for 0, else `splits` if in range.
int checked_splits(const ConvDesc& d, int splits, const char* fn);

}  // namespace hr::kern::native
