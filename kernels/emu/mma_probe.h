// One mma.sync m16n8k16 (bf16 -> f32) run through the documented fragment layouts: every lane
// loads its fragments of A, B and C from whole matrices by mma_layout.h, the warp multiplies,
// every lane stores its part of D. On the CPU emulator this checks that the layouts cover
// every element once; on a GPU ([cuda] test) that they are the hardware's: a wrong layout
// gives a different D there.
#pragma once
#include "kernels/common/stream.h"

namespace hr::kern {

// A [16][16] row-major, B [16][8] (k, n) row-major, C and D [16][8]; A and B are rounded to
// bf16 on load. Host pointers for the emulator, device pointers for CUDA.
void mma_probe_emu(const float* A, const float* B, const float* C, float* D);
void mma_probe_cuda(const float* A, const float* B, const float* C, float* D, Stream stream);

}  // namespace hr::kern
