// The emulated arithmetic of mma.sync m16n8k16 (bf16 in, f32 accumulate) for the CPU grid
// emulator: the warp's fragments are gathered into whole matrices by the PTX layouts
// (mma_layout.h), multiplied, and the result scattered back to the lanes.
#include "kernels/common/error.h"
#include "kernels/emu/bf16.h"
#include "kernels/emu/cpu_block.h"
#include "kernels/emu/mma_layout.h"

namespace hr::emu {

void emulate_mma_bf16_16816(const uint32_t* const a[32], const uint32_t* const b[32], float* const d[32]) {
  using namespace mma16816;
  float A[kM][kK], B[kK][kN], C[kM][kN];
  for (int lane = 0; lane < 32; ++lane) {
    for (int i = 0; i < 2 * kARegs; ++i) {
      const uint32_t r = a[lane][i / 2];
      A[a_row(lane, i)][a_col(lane, i)] = bf16_to_float((i & 1) ? bf16x2_hi(r) : bf16x2_lo(r));
    }
    for (int i = 0; i < 2 * kBRegs; ++i) {
      const uint32_t r = b[lane][i / 2];
      B[b_row(lane, i)][b_col(lane, i)] = bf16_to_float((i & 1) ? bf16x2_hi(r) : bf16x2_lo(r));
    }
    for (int i = 0; i < kCRegs; ++i) C[c_row(lane, i)][c_col(lane, i)] = d[lane][i];
  }
  // Products of two bf16 are exact in double; so is their sum for any inputs the kernels see
  // short of extreme exponent spreads. One rounding to float at the end.
  for (int lane = 0; lane < 32; ++lane)
    for (int i = 0; i < kCRegs; ++i) {
      const int m = c_row(lane, i), n = c_col(lane, i);
      double acc = C[m][n];
      for (int k = 0; k < kK; ++k) acc += double(A[m][k]) * double(B[k][n]);
      d[lane][i] = float(acc);
    }
}

}  // namespace hr::emu
