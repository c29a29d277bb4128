// Host/device annotation shared by CPU and CUDA code.
// Index math and per-element work of a CUDA kernel live in HR_HD inline functions
// that the CPU kernels call too, so CI (no GPU) exercises the same arithmetic.
#pragma once

#if defined(__CUDACC__)
#define HR_HD __host__ __device__ __forceinline__
#else
#define HR_HD inline
#endif

// Full unrolling of a loop over a register array, for nvcc: a loop it leaves rolled indexes the
// array with a run-time value, which moves the array to local memory (a stack frame). Empty on
// the host, where g++ would warn about the unknown pragma.
#if defined(__CUDACC__)
#define HR_UNROLL _Pragma("unroll")
#else
#define HR_UNROLL
#endif

#include <cstdint>

namespace hr::kern {

// i / m and i % m for non-negative i and positive m, in 32-bit arithmetic whenever both fit:
// a 64-bit division is a long software routine on a GPU, and element indices of HRNet's
// tensors stay far below 2^31. The results are those of the 64-bit operators.
HR_HD int64_t index_div(int64_t i, int64_t m) {
  return ((i | m) >> 31) == 0 ? int64_t(uint32_t(i) / uint32_t(m)) : i / m;
}
HR_HD int64_t index_mod(int64_t i, int64_t m) {
  return ((i | m) >> 31) == 0 ? int64_t(uint32_t(i) % uint32_t(m)) : i % m;
}

}  // namespace hr::kern
