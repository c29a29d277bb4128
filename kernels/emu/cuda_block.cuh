// The GPU side of the grid emulator's execution context: the same interface as CpuBlock
// (cpu_block.h), mapped onto the hardware. A per-thread phase runs once, in the calling
// thread, with threadIdx; barrier() is __syncthreads(); shared arrays are carved from the
// launch's dynamic shared memory; register arrays are locals. Only nvcc sees this file.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "kernels/emu/thread.h"

namespace hr::emu {

// A thread's own register array; indexing by Thread ignores the thread (it is always "me").
template <typename T, int N>
struct CudaRegs {
  T v[N];
  __device__ __forceinline__ const T* operator[](const Thread&) const { return v; }
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
  // mma.sync m16n8k16 bf16 -> f32 for this lane (see CpuBlock::mma_bf16_16816 and
  // mma_layout.h): D (= C) at d.v[d_off..+4), A at a.v[a_off..+4), B at b.v[b_off..+2).
  template <typename DRegs, typename ARegs, typename BRegs>
  __device__ __forceinline__ void mma_bf16_16816(DRegs& d, int d_off, const ARegs& a, int a_off, const BRegs& b,
                                                 int b_off) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
    float* c = d.v + d_off;
    const uint32_t* ar = a.v + a_off;
    const uint32_t* br = b.v + b_off;
    asm volatile(
        "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
        "{%0, %1, %2, %3};\n"
        : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
        : "r"(ar[0]), "r"(ar[1]), "r"(ar[2]), "r"(ar[3]), "r"(br[0]), "r"(br[1]));
#else
    __trap();  // bf16 mma.sync needs sm_80 or newer; the build targets 80 and 90
#endif
  }

  // ldmatrix.sync.aligned.m8n8.x4.shared.b16 (see CpuBlock::ldmatrix_x4): this lane's row
  // address is word addr.v[a_off] of s; the four result words go to d.v[d_off .. +4).
  template <typename DRegs, typename ARegs>
  __device__ __forceinline__ void ldmatrix_x4(DRegs& d, int d_off, const SharedArray<uint32_t>& s, const ARegs& addr,
                                              int a_off) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 750
    const unsigned a = unsigned(__cvta_generic_to_shared(s.data() + addr.v[a_off]));
    uint32_t* r = d.v + d_off;
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
                 : "r"(a)
                 : "memory");  // reads shared memory: not to be moved across stores to it
#else
    __trap();
#endif
  }

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
