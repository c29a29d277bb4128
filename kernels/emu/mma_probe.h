// One mma.sync m16n8k16 (bf16 -> f32) run through the documented fragment layouts: every lane
// loads its fragments of A, B and C from whole matrices by mma_layout.h, the warp multiplies,
// every lane stores its part of D. On the CPU emulator this checks that the layouts cover
// every element once; on a GPU ([cuda] test) that they are the hardware's: a wrong layout
// gives a different D there.
#pragma once
#include <cstdint>

#include "kernels/common/stream.h"

namespace hr::kern {

// A [16][16] row-major, B [16][8] (k, n) row-major, C and D [16][8]; A and B are rounded to
// bf16 on load. Host pointers for the emulator, device pointers for CUDA.
void mma_probe_emu(const float* A, const float* B, const float* C, float* D);
void mma_probe_cuda(const float* A, const float* B, const float* C, float* D, Stream stream);

// One ldmatrix.x4 from a 16-row x 8-word shared tile (in: 128 words, row-major): lane l names
// row (l % 8) + 8 * ((l / 8) & 1), word offset 4 * (l / 16), the addressing the bf16
// convolution uses for an A fragment; out[l * 4 + j] is the word lane l receives from matrix j.
// Emulator and GPU must agree exactly (pure data movement): the [cuda] test says whether the
// emulated ldmatrix is the hardware's.
void ldmatrix_probe_emu(const uint32_t* in, uint32_t* out);
void ldmatrix_probe_cuda(const uint32_t* in, uint32_t* out, Stream stream);

}  // namespace hr::kern
