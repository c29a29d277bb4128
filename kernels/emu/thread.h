// Types that a block body written for the grid emulator sees on both backends: block and
// thread coordinates, and the shared-memory array handle. No CUDA headers here, so kernel
// block bodies (kernels/<op>/block.h) compile under g++ (CPU emulator) and nvcc alike.
// See docs/kernels.md for the model and its limits.
#pragma once

#include "kernels/common/hd.h"

#if defined(__CUDACC__)
#define HR_EMU_DEV __device__ __forceinline__
#else
#define HR_EMU_DEV inline
#endif

namespace hr::emu {

struct Dim3 {
  int x = 1, y = 1, z = 1;
  HR_HD int count() const { return x * y * z; }
};

// One thread of a block: its 3-D index and the linear id (x fastest, as CUDA numbers threads;
// the emulator's per-thread register arrays are indexed by id).
struct Thread {
  int x = 0, y = 0, z = 0;
  int id = 0;
};

HR_HD Thread thread_of(int id, Dim3 block) {
  Thread t;
  t.id = id;
  t.x = id % block.x;
  t.y = (id / block.x) % block.y;
  t.z = id / (block.x * block.y);
  return t;
}

// Defined in kernels/emu/cpu_block.cpp (host only): throws hr::Error.
[[noreturn]] void shared_out_of_range(int i, int n);

// A typed view of the block's shared memory. On the CPU every index is bounds-checked
// (HR_EMU_CHECK_SHARED, on by default there), since an out-of-range shared access on a GPU
// silently reads a neighbouring array.
template <typename T>
class SharedArray {
 public:
  HR_HD SharedArray(T* p, int n) : p_(p), n_(n) {}
  HR_HD T& operator[](int i) const {
#if !defined(__CUDA_ARCH__)
    if (i < 0 || i >= n_) shared_out_of_range(i, n_);
#endif
    return p_[i];
  }
  HR_HD int size() const { return n_; }

 private:
  T* p_;
  int n_;
};

// Shared-memory carving: every array starts on a 16-byte boundary, the same rule for the CPU
// buffer and the CUDA dynamic shared memory, so a kernel's byte count is backend-independent.
HR_HD int shared_align(int bytes) { return (bytes + 15) & ~15; }

}  // namespace hr::emu
