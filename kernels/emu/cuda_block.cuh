// The GPU side of the grid emulator's execution context: the same interface as CpuBlock
// (cpu_block.h), mapped onto the hardware. A per-thread phase runs once, in the calling
// thread, with threadIdx; barrier() is __syncthreads(); shared arrays are carved from the
// launch's dynamic shared memory; register arrays are locals. Only nvcc sees this file.
#pragma once

#include <cuda_runtime.h>

#include "kernels/emu/thread.h"

namespace hr::emu {

// A thread's own register array; indexing by Thread ignores the thread (it is always "me").
template <typename T, int N>
struct CudaRegs {
  T v[N];
  __device__ __forceinline__ T* operator[](const Thread&) { return v; }
};

class CudaBlock {
 public:
  __device__ explicit CudaBlock(unsigned char* smem) : smem_(smem) {}

  __device__ Dim3 grid_dim() const { return Dim3{int(gridDim.x), int(gridDim.y), int(gridDim.z)}; }
  __device__ Dim3 block_dim() const { return Dim3{int(blockDim.x), int(blockDim.y), int(blockDim.z)}; }
  __device__ Dim3 block_idx() const { return Dim3{int(blockIdx.x), int(blockIdx.y), int(blockIdx.z)}; }

  template <typename F>
  __device__ __forceinline__ void for_each_thread(F&& f) {
    Thread t;
    t.x = int(threadIdx.x);
    t.y = int(threadIdx.y);
    t.z = int(threadIdx.z);
    t.id = t.x + int(blockDim.x) * (t.y + int(blockDim.y) * t.z);
    f(t);
  }
  __device__ __forceinline__ void barrier() { __syncthreads(); }
  __device__ __forceinline__ void end_block() {}

  // Every thread carves the same offsets (the body's shared() calls are block-uniform).
  template <typename T>
  __device__ __forceinline__ SharedArray<T> shared(int n) {
    T* p = reinterpret_cast<T*>(smem_ + used_);
    used_ += shared_align(int(sizeof(T)) * n);
    return SharedArray<T>(p, n);
  }

  template <typename T, int N>
  __device__ __forceinline__ CudaRegs<T, N> regs() const {
    return CudaRegs<T, N>{};
  }

 private:
  unsigned char* smem_;
  int used_ = 0;
};

template <typename Body, typename Params>
__global__ void emu_kernel(Params params) {
  extern __shared__ __align__(16) unsigned char emu_smem[];
  CudaBlock ctx(emu_smem);
  Body::run(ctx, params);
}

// Launch Body over the grid: the GPU counterpart of run_grid (cpu_block.h).
template <typename Body, typename Params>
void launch(Dim3 grid, Dim3 block, int shared_bytes, const Params& params, cudaStream_t stream) {
  emu_kernel<Body, Params><<<dim3(unsigned(grid.x), unsigned(grid.y), unsigned(grid.z)),
                             dim3(unsigned(block.x), unsigned(block.y), unsigned(block.z)), size_t(shared_bytes),
                             stream>>>(params);
}

}  // namespace hr::emu
