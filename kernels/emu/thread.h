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
// The CPU emulator's race check (cpu_block.cpp): records an access by the running thread to
// the shared-memory element at `p` and throws when another thread touched it in the same
// segment (no barrier between) in a conflicting way. `tracker` is the CpuBlock.
void shared_access(void* tracker, const void* p, bool write);

// The race check on global memory (cpu_block.cpp): records an access by the running block to
// the element at `p` and throws when another block of the same launch wrote it, or read what
// this block writes. A no-op outside the emulator (serial references call the same code).
void global_access(void* tracker, const void* p, bool write);

#if !defined(__CUDA_ARCH__)
// What indexing a shared array (or a GlobalPtr) gives on the CPU: a reference that reports
// reads and writes to the race check. Reading converts to T; writing assigns.
template <typename T, void (*Access)(void*, const void*, bool)>
class TrackedRef {
 public:
  TrackedRef(T* p, void* tracker) : p_(p), tracker_(tracker) {}
  operator T() const {
    Access(tracker_, p_, false);
    return *p_;
  }
  TrackedRef& operator=(T v) {
    Access(tracker_, p_, true);
    *p_ = v;
    return *this;
  }
  TrackedRef& operator=(const TrackedRef& o) { return *this = T(o); }
  TrackedRef& operator+=(T v) { return *this = T(*this) + v; }
  TrackedRef& operator|=(T v) { return *this = T(*this) | v; }

 private:
  T* p_;
  void* tracker_;
};
inline void shared_access_or_skip(void* tracker, const void* p, bool write) {
  if (tracker) shared_access(tracker, p, write);
}
template <typename T>
using SharedRef = TrackedRef<T, shared_access_or_skip>;
template <typename T>
using GlobalRef = TrackedRef<T, global_access>;
#endif

// An output pointer of a block body into global memory. On the GPU a plain pointer; on the
// CPU its elements go through the global race check (which blocks wrote and read what).
template <typename T>
class GlobalPtr {
 public:
  HR_HD GlobalPtr(T* p = nullptr) : p_(p) {}
  HR_HD T* get() const { return p_; }
  HR_HD explicit operator bool() const { return p_ != nullptr; }
#if defined(__CUDA_ARCH__)
  __device__ __forceinline__ T& operator[](int64_t i) const { return p_[i]; }
#else
  GlobalRef<T> operator[](int64_t i) const { return GlobalRef<T>(p_ + i, nullptr); }
#endif

 private:
  T* p_;
};

// A typed view of the block's shared memory. On the CPU every index is bounds-checked
// (an out-of-range shared access on a GPU silently reads a neighbouring array) and every
// access goes through the race check; on the GPU it is a plain pointer.
template <typename T>
class SharedArray {
 public:
  HR_HD SharedArray(T* p, int n, void* tracker = nullptr) : p_(p), n_(n), tracker_(tracker) {}
#if defined(__CUDA_ARCH__)
  __device__ __forceinline__ T& operator[](int i) const { return p_[i]; }
#else
  SharedRef<T> operator[](int i) const {
    if (i < 0 || i >= n_) shared_out_of_range(i, n_);
    return SharedRef<T>(p_ + i, tracker_);
  }
#endif
  HR_HD int size() const { return n_; }
  // The first element, for address arithmetic of instructions that take a shared address
  // (ldmatrix on the GPU); the emulator's collectives index instead.
  HR_HD T* data() const { return p_; }

 private:
  T* p_;
  int n_;
  void* tracker_;  // the CPU emulator's CpuBlock, or null (GPU, or race check off)
};

// Shared-memory carving: every array starts on a 16-byte boundary, the same rule for the CPU
// buffer and the CUDA dynamic shared memory, so a kernel's byte count is backend-independent.
HR_HD int shared_align(int bytes) { return (bytes + 15) & ~15; }

}  // namespace hr::emu
