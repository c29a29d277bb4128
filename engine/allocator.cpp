#include "engine/allocator.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "engine/cuda/cuda_memory.h"
#include "engine/error.h"

namespace hr {

namespace {

// Large host blocks are kept for reuse, like the CUDA caching allocator: a training step
// allocates the same activation sizes every time, and fresh pages from the kernel cost a page
// fault and a zero-fill each (measured: ~10% of a CPU training step before this cache).
constexpr size_t kCacheMinBytes = size_t(256) << 10;
constexpr size_t kCacheMaxBytes = size_t(4) << 30;  // beyond this, freed blocks go back

struct HostCache {
  std::mutex m;
  std::map<size_t, std::vector<void*>> free_blocks;
  size_t cached = 0;
  ~HostCache() {
    for (auto& [size, blocks] : free_blocks)
      for (void* p : blocks) std::free(p);
  }
};

HostCache& host_cache() {
  static HostCache c;
  return c;
}

// HRNET_HOST_CACHE=0 turns the cache off (e.g. so that ASan sees every use after free).
bool host_cache_enabled() {
  static const bool on = [] {
    const char* e = std::getenv("HRNET_HOST_CACHE");
    return !(e && std::string(e) == "0");
  }();
  return on;
}

size_t host_block_size(size_t bytes) {
  if (bytes < kCacheMinBytes) return (std::max<size_t>(bytes, 1) + kHostAlignment - 1) / kHostAlignment * kHostAlignment;
  return cuda::round_block_size(bytes);  // the same size classes as device memory
}

}  // namespace

void* host_alloc(size_t bytes) {
  const size_t size = host_block_size(bytes);
  if (size >= kCacheMinBytes && host_cache_enabled()) {
    HostCache& c = host_cache();
    std::lock_guard<std::mutex> lk(c.m);
    auto it = c.free_blocks.find(size);
    if (it != c.free_blocks.end() && !it->second.empty()) {
      void* p = it->second.back();
      it->second.pop_back();
      c.cached -= size;
      return p;
    }
  }
  void* p = std::aligned_alloc(kHostAlignment, size);
  HR_CHECK(p != nullptr, "host allocation of {} bytes ({:.1f} MiB) failed", bytes, bytes / 1048576.0);
  return p;
}

void host_free(void* p, size_t bytes) {
  if (!p) return;
  const size_t size = host_block_size(bytes);
  if (size >= kCacheMinBytes && host_cache_enabled()) {
    HostCache& c = host_cache();
    std::lock_guard<std::mutex> lk(c.m);
    if (c.cached + size <= kCacheMaxBytes) {
      c.free_blocks[size].push_back(p);
      c.cached += size;
      return;
    }
  }
  std::free(p);
}

void host_empty_cache() {
  HostCache& c = host_cache();
  std::lock_guard<std::mutex> lk(c.m);
  for (auto& [size, blocks] : c.free_blocks)
    for (void* q : blocks) std::free(q);
  c.free_blocks.clear();
  c.cached = 0;
}

size_t host_cached_bytes() {
  HostCache& c = host_cache();
  std::lock_guard<std::mutex> lk(c.m);
  return c.cached;
}

namespace {
std::atomic<int64_t> g_host_in_use{0}, g_host_peak{0};
void count_host(int64_t delta) {
  const int64_t now = g_host_in_use.fetch_add(delta) + delta;
  int64_t peak = g_host_peak.load();
  while (now > peak && !g_host_peak.compare_exchange_weak(peak, now)) {
  }
}
}  // namespace

HostMemoryStats host_memory_stats() { return {g_host_in_use.load(), g_host_peak.load()}; }
void host_reset_peak() { g_host_peak.store(g_host_in_use.load()); }

Storage::Storage(size_t bytes, Device device) : bytes_(bytes), device_(device) {
  ptr_ = device == Device::CPU ? host_alloc(bytes) : cuda::device_alloc(bytes);
  if (device_ == Device::CPU) count_host(int64_t(bytes_));
}

Storage::Storage(size_t bytes, Device device, bool pinned) : bytes_(bytes), device_(device) {
  pinned_ = pinned && device == Device::CPU && cuda_available();
  if (pinned_)
    ptr_ = cuda::pinned_alloc(bytes);
  else
    ptr_ = device == Device::CPU ? host_alloc(bytes) : cuda::device_alloc(bytes);
  if (device_ == Device::CPU) count_host(int64_t(bytes_));
}

Storage::~Storage() {
  if (device_ == Device::CPU) count_host(-int64_t(bytes_));
  if (pinned_)
    cuda::pinned_free(ptr_, bytes_);
  else if (device_ == Device::CPU)
    host_free(ptr_, bytes_);
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
void cuda_reset_peak() { cuda::reset_peak(); }
void cuda_empty_cache() { cuda::empty_cache(); }

}  // namespace hr
