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
