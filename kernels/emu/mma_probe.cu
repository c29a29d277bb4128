#include "kernels/common/cuda_check.h"
#include "kernels/emu/cuda_block.cuh"
#include "kernels/emu/mma_probe.h"
#include "kernels/emu/mma_probe_block.h"

namespace hr::kern {

void mma_probe_cuda(const float* A, const float* B, const float* C, float* D, Stream stream) {
  emu::launch<MmaProbeBlock>(emu::Dim3{1, 1, 1}, emu::Dim3{32, 1, 1}, 0, MmaProbeParams{A, B, C, D}, stream);
  cuda_check(cudaGetLastError(), "mma_probe_cuda");
}

void ldmatrix_probe_cuda(const uint32_t* in, uint32_t* out, Stream stream) {
  emu::launch<LdmatrixProbeBlock>(emu::Dim3{1, 1, 1}, emu::Dim3{32, 1, 1}, LdmatrixProbeBlock::kWords * 4,
                                  LdmatrixProbeParams{in, out}, stream);
  cuda_check(cudaGetLastError(), "ldmatrix_probe_cuda");
}

}  // namespace hr::kern
