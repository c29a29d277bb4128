// Launching the native implicit-GEMM block bodies on the GPU (only nvcc sees this): the
// counterpart of run_gemm in emu.cpp, with the launch error named after the call and shapes.
#pragma once
#include <string>

#include "kernels/common/conv_describe.h"
#include "kernels/common/cuda_check.h"
#include "kernels/conv_native/conv_native.h"
#include "kernels/conv_native/igemm_bf16.h"
#include "kernels/conv_native/igemm_f32.h"
#include "kernels/conv_native/native_check.h"
#include "kernels/emu/cuda_block.cuh"

namespace hr::kern::native {

template <template <typename> class Block, typename Problem>
void launch_block(const Problem& pr, int splits, double* stats, Stream stream) {
  using B = Block<Problem>;
  emu::launch<B>(B::grid(pr.M(), pr.N(), splits), B::block(), B::shared_bytes(),
                 IgemmParams<Problem>{pr, splits, stats}, stream);
}

template <typename Problem>
void launch_gemm(const Problem& pr, NativeMath math, int splits, Stream stream, const char* fn, const ConvDesc& d,
                 double* stats = nullptr) {
  static_assert(IgemmF32Block<Problem>::kTM == 64 && IgemmBf16Block<Problem>::kTM == 64 &&
                    IgemmF32Block<Problem>::kTN == 64 && IgemmBf16Block<Problem>::kTN == 64,
                "check_grid below assumes 64 x 64 tiles");
  check_grid(pr.M(), pr.N(), splits, 64, 64, d, fn);
  switch (math) {
    case NativeMath::F32: launch_block<IgemmF32Block>(pr, splits, stats, stream); break;
    case NativeMath::BF16: launch_block<IgemmBf16SimpleBlock>(pr, splits, stats, stream); break;
    case NativeMath::BF16Pipelined: launch_block<IgemmBf16PipelinedBlock>(pr, splits, stats, stream); break;
  }
  cuda_check(cudaGetLastError(), fn,
             [&] { return describe_conv(d) + ", " + native_math_name(math) + ", splits " + std::to_string(splits); });
}

}  // namespace hr::kern::native
