#include "kernels/emu/cpu_block.h"
#include "kernels/emu/mma_probe.h"
#include "kernels/emu/mma_probe_block.h"

namespace hr::kern {

void mma_probe_emu(const float* A, const float* B, const float* C, float* D) {
  emu::run_grid<MmaProbeBlock>(emu::Dim3{1, 1, 1}, emu::Dim3{32, 1, 1}, 0, MmaProbeParams{A, B, C, D});
}

void ldmatrix_probe_emu(const uint32_t* in, uint32_t* out) {
  emu::run_grid<LdmatrixProbeBlock>(emu::Dim3{1, 1, 1}, emu::Dim3{32, 1, 1}, LdmatrixProbeBlock::kWords * 4,
                                    LdmatrixProbeParams{in, out});
}

}  // namespace hr::kern
