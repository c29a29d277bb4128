#include "engine/allocator.h"

#include <cstdlib>
#include <cstring>

#include "engine/cuda/cuda_memory.h"
#include "engine/error.h"

namespace hr {

void* host_alloc(size_t bytes) {
  if (bytes == 0) bytes = kHostAlignment;
  const size_t rounded = (bytes + kHostAlignment - 1) / kHostAlignment * kHostAlignment;
  void* p = std::aligned_alloc(kHostAlignment, rounded);
  HR_CHECK(p != nullptr, "host allocation of {} bytes failed", bytes);
  return p;
}

void host_free(void* p) { std::free(p); }

Storage::Storage(size_t bytes, Device device) : bytes_(bytes), device_(device) {
  ptr_ = device == Device::CPU ? host_alloc(bytes) : cuda::device_alloc(bytes);
}

Storage::~Storage() {
  if (device_ == Device::CPU)
    host_free(ptr_);
  else
    cuda::device_free(ptr_, bytes_);
}

void copy_bytes(void* dst, Device dst_dev, const void* src, Device src_dev, size_t bytes) {
  if (bytes == 0) return;
  if (dst_dev == Device::CPU && src_dev == Device::CPU) {
    std::memcpy(dst, src, bytes);
    return;
  }
  cuda::copy(dst, dst_dev == Device::CUDA, src, src_dev == Device::CUDA, bytes);
}

void zero_bytes(void* dst, Device dev, size_t bytes) {
  if (bytes == 0) return;
  if (dev == Device::CPU)
    std::memset(dst, 0, bytes);
  else
    cuda::memset_zero(dst, bytes);
}

bool cuda_available() { return cuda::device_count() > 0; }
int cuda_device_count() { return cuda::device_count(); }
CudaMemoryStats cuda_memory_stats() { return cuda::memory_stats(); }
void cuda_empty_cache() { cuda::empty_cache(); }

}  // namespace hr
