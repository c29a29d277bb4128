// Host/device annotation shared by CPU and CUDA code.
// Index math and per-element work of a CUDA kernel live in HR_HD inline functions
// that the CPU kernels call too, so CI (no GPU) exercises the same arithmetic.
#pragma once

#if defined(__CUDACC__)
#define HR_HD __host__ __device__ __forceinline__
#else
#define HR_HD inline
#endif
