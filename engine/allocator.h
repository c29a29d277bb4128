// Storage allocation. Host memory is 64-byte aligned (one cache line, AVX-512 friendly).
// CUDA memory comes from a caching allocator (engine/cuda/caching_allocator.cpp) that keeps
// freed blocks per rounded size so that a training step allocates nothing from the driver
// after the first one.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>

#include "engine/dtype.h"

namespace hr {

constexpr size_t kHostAlignment = 64;

// Raw bytes on one device. Freed through the allocator that made them.
class Storage {
 public:
  Storage(size_t bytes, Device device);
  // Host storage in page-locked memory when `pinned` and a CUDA device is present (pageable
  // host memory otherwise, so callers need not ask first).
  Storage(size_t bytes, Device device, bool pinned);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() const { return ptr_; }
  size_t bytes() const { return bytes_; }
  Device device() const { return device_; }
  bool pinned() const { return pinned_; }

 private:
  void* ptr_ = nullptr;
  size_t bytes_ = 0;
  Device device_ = Device::CPU;
  bool pinned_ = false;
};

// Host blocks of 256 KiB and more are cached per size class and reused (up to 4 GiB held).
void* host_alloc(size_t bytes);
void host_free(void* p, size_t bytes);
void host_empty_cache();      // returns cached host blocks to the system
size_t host_cached_bytes();

// Bytes of live CPU tensor storage (pinned included) and the most there were since the last
// host_reset_peak(): what a training step's activations cost on the host (hrnet-bench, tests).
struct HostMemoryStats {
  int64_t in_use = 0;
  int64_t peak_in_use = 0;
};
HostMemoryStats host_memory_stats();
void host_reset_peak();  // peak := what is in use now

// Statistics of the caching CUDA allocator (all zero in a build without CUDA).
struct CudaMemoryStats {
  size_t in_use = 0;       // bytes handed out and not yet returned
  size_t cached = 0;       // bytes held in free lists
  size_t peak_in_use = 0;
  size_t driver_allocs = 0;  // cudaMalloc calls so far
};

bool cuda_available();       // built with CUDA and at least one device present
int cuda_device_count();     // 0 without CUDA
CudaMemoryStats cuda_memory_stats();
void cuda_reset_peak();      // peak_in_use := in_use
void cuda_empty_cache();     // returns cached blocks to the driver

// Low-level copies used by Tensor; they throw hr::Error where CUDA is not built in.
void copy_bytes(void* dst, Device dst_dev, const void* src, Device src_dev, size_t bytes);
void zero_bytes(void* dst, Device dev, size_t bytes);

}  // namespace hr
