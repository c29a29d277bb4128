// Launching the native implicit-GEMM block bodies on the GPU (only nvcc sees this): the
// counterpart of run_gemm in emu.cpp, with the launch error named after the call and shapes.
#pragma once
#include <atomic>
#include <string>

#include "kernels/common/conv_describe.h"
#include "kernels/common/cuda_check.h"
#include "kernels/common/error.h"
#include "kernels/conv_native/conv_native.h"
#include "kernels/conv_native/igemm_bf16.h"
#include "kernels/conv_native/igemm_f32.h"
#include "kernels/conv_native/native_check.h"
#include "kernels/emu/cuda_block.cuh"

namespace hr::kern::native {

template <template <typename> class Block, typename Problem>
void launch_block(const Problem& pr, int splits, double* stats, Stream stream) {
  using B = Block<Problem>;
  emu::launch<B>(B::grid(pr.M(), pr.N(), splits), B::block(), B::shared_bytes(stats != nullptr),
                 IgemmParams<Problem>{pr, splits, stats}, stream);
}

// The bf16 bodies use mma.sync / ldmatrix, which exist from sm_80 on; on an older GPU the
// kernel image would reach its __trap() fallback and take the CUDA context down, so the launch
// is refused here with a message instead.
inline void check_bf16_device(const char* fn) {
  static std::atomic<int> capability[64];  // 10 * major + minor + 1 per device; 0: not asked yet
  int dev = 0;
  cuda_check(cudaGetDevice(&dev), fn);
  int cc = dev >= 0 && dev < 64 ? capability[dev].load() - 1 : -1;
  if (cc < 0) {
    int major = 0, minor = 0;
    cuda_check(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, dev), fn);
    cuda_check(cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, dev), fn);
    cc = 10 * major + minor;
    if (dev >= 0 && dev < 64) capability[dev].store(cc + 1);
  }
  if (cc < 80)
    throw Error(std::string(fn) + ": the bf16 tensor-core kernels need compute capability 8.0 or newer, this GPU has " +
                std::to_string(cc / 10) + "." + std::to_string(cc % 10));
}

template <typename Problem>
void launch_gemm(const Problem& pr, NativeMath math, int splits, Stream stream, const char* fn, const ConvDesc& d,
                 double* stats = nullptr) {
  static_assert(IgemmF32Block<Problem>::kTM == 64 && IgemmBf16Block<Problem>::kTM == 64 &&
                    IgemmF32Block<Problem>::kTN == 64 && IgemmBf16Block<Problem>::kTN == 64,
                "check_grid below assumes 64 x 64 tiles");
  check_grid(pr.M(), pr.N(), splits, 64, 64, d, fn);
  if (math != NativeMath::F32) check_bf16_device(fn);
  switch (math) {
    case NativeMath::F32: launch_block<IgemmF32Block>(pr, splits, stats, stream); break;
    case NativeMath::BF16: launch_block<IgemmBf16SimpleBlock>(pr, splits, stats, stream); break;
    case NativeMath::BF16Pipelined: launch_block<IgemmBf16PipelinedBlock>(pr, splits, stats, stream); break;
  }
  cuda_check(cudaGetLastError(), fn,
             [&] { return describe_conv(d) + ", " + native_math_name(math) + ", splits " + std::to_string(splits); });
}

}  // namespace hr::kern::native
