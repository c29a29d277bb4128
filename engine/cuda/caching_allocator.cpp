// Caching CUDA allocator: freed blocks go to a free list keyed by their rounded size and are
// handed out again for requests of the same rounded size, so steady-state training makes no
// cudaMalloc/cudaFree calls. On out-of-memory the cache is returned to the driver and the
// request retried once; if it still fails the error says what was asked for and what is free.
#include <cuda_runtime.h>

#include <map>
#include <mutex>
#include <vector>

#include "engine/cuda/cuda_memory.h"
#include "engine/error.h"

namespace hr::cuda {
namespace {

void check(cudaError_t e, const char* call) {
  if (e != cudaSuccess) fail("CUDA error in {}: {} ({})", call, cudaGetErrorString(e), int(e));
}

struct Cache {
  std::mutex m;
  std::map<size_t, std::vector<void*>> free_blocks;
  CudaMemoryStats stats;
};

Cache& cache() {
  static Cache c;
  return c;
}

void release_all_locked(Cache& c) {
  for (auto& [size, blocks] : c.free_blocks)
    for (void* p : blocks) {
      cudaFree(p);
      c.stats.cached -= size;
    }
  c.free_blocks.clear();
}

}  // namespace

int device_count() {
  static const int n = [] {
    int count = 0;
    if (cudaGetDeviceCount(&count) != cudaSuccess) {
      cudaGetLastError();  // clear the sticky "no device / no driver" error
      return 0;
    }
    return count;
  }();
  return n;
}

namespace {
// Pinned blocks are kept per exact size. A host-to-device copy from one is asynchronous
// (copy()), so each block has an event recorded after its last copy: a block is handed out
// again only once that copy has read it.
struct PinnedCache {
  std::mutex m;
  std::map<size_t, std::vector<void*>> free_blocks;
  std::map<void*, cudaEvent_t> last_copy;  // every block ever allocated (blocks are never freed)
};
PinnedCache& pinned_cache() {
  static PinnedCache c;  // never destroyed before the process ends: blocks go with it
  return c;
}

// The event of the pinned block starting at p (made when create), or null when p starts none.
cudaEvent_t* pinned_event(PinnedCache& c, void* p, bool create) {
  auto it = c.last_copy.find(p);
  if (it != c.last_copy.end()) return &it->second;
  if (!create) return nullptr;
  cudaEvent_t e = nullptr;
  check(cudaEventCreateWithFlags(&e, cudaEventDisableTiming), "cudaEventCreateWithFlags");
  return &c.last_copy.emplace(p, e).first->second;
}
}  // namespace

void* pinned_alloc(size_t bytes) {
  {
    PinnedCache& c = pinned_cache();
    std::lock_guard<std::mutex> lock(c.m);
    auto it = c.free_blocks.find(bytes);
    if (it != c.free_blocks.end() && !it->second.empty()) {
      void* p = it->second.back();
      it->second.pop_back();
      if (cudaEvent_t* e = pinned_event(c, p, false)) check(cudaEventSynchronize(*e), "cudaEventSynchronize");
      return p;
    }
  }
  void* p = nullptr;
  check(cudaHostAlloc(&p, bytes == 0 ? 1 : bytes, cudaHostAllocDefault), "cudaHostAlloc");
  PinnedCache& c = pinned_cache();
  std::lock_guard<std::mutex> lock(c.m);
  pinned_event(c, p, true);  // registers the block: copies from it may run asynchronously
  return p;
}

void pinned_free(void* p, size_t bytes) {
  if (!p) return;
  PinnedCache& c = pinned_cache();
  std::lock_guard<std::mutex> lock(c.m);
  c.free_blocks[bytes].push_back(p);
}

void* device_alloc(size_t bytes) {
  HR_CHECK(device_count() > 0, "cannot allocate {} bytes on CUDA: no CUDA device is present", bytes);
  const size_t size = round_block_size(bytes);
  Cache& c = cache();
  std::lock_guard<std::mutex> lk(c.m);
  auto it = c.free_blocks.find(size);
  if (it != c.free_blocks.end() && !it->second.empty()) {
    void* p = it->second.back();
    it->second.pop_back();
    c.stats.cached -= size;
    c.stats.in_use += size;
    c.stats.peak_in_use = std::max(c.stats.peak_in_use, c.stats.in_use);
    return p;
  }
  void* p = nullptr;
  cudaError_t e = cudaMalloc(&p, size);
  if (e == cudaErrorMemoryAllocation) {
    cudaGetLastError();
    release_all_locked(c);
    e = cudaMalloc(&p, size);
  }
  if (e == cudaErrorMemoryAllocation) {
    cudaGetLastError();
    size_t free_b = 0, total_b = 0;
    cudaMemGetInfo(&free_b, &total_b);
    fail("CUDA out of memory: asked for {} bytes ({:.1f} MiB); {:.1f} MiB free of {:.1f} MiB, "
         "{:.1f} MiB in use by this engine",
         bytes, bytes / 1048576.0, free_b / 1048576.0, total_b / 1048576.0,
         c.stats.in_use / 1048576.0);
  }
  check(e, "cudaMalloc");
  ++c.stats.driver_allocs;
  c.stats.in_use += size;
  c.stats.peak_in_use = std::max(c.stats.peak_in_use, c.stats.in_use);
  return p;
}

void device_free(void* p, size_t bytes) {
  if (!p) return;
  const size_t size = round_block_size(bytes);
  Cache& c = cache();
  std::lock_guard<std::mutex> lk(c.m);
  c.free_blocks[size].push_back(p);
  c.stats.in_use -= size;
  c.stats.cached += size;
}

void copy(void* dst, bool dst_on_device, const void* src, bool src_on_device, size_t bytes) {
  if (dst_on_device && !src_on_device) {
    // From a pinned block: enqueue on the compute stream and return at once, so the host can
    // prepare the next batch while the copy and the queued kernels run.
    PinnedCache& c = pinned_cache();
    std::lock_guard<std::mutex> lock(c.m);
    if (cudaEvent_t* e = pinned_event(c, const_cast<void*>(src), false)) {
      check(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, nullptr), "cudaMemcpyAsync");
      check(cudaEventRecord(*e, nullptr), "cudaEventRecord");
      return;
    }
  }
  const cudaMemcpyKind kind = dst_on_device
                                  ? (src_on_device ? cudaMemcpyDeviceToDevice : cudaMemcpyHostToDevice)
                                  : (src_on_device ? cudaMemcpyDeviceToHost : cudaMemcpyHostToHost);
  check(cudaMemcpy(dst, src, bytes, kind), "cudaMemcpy");
}

namespace {
cudaStream_t copy_stream() {
  static cudaStream_t s = [] {
    cudaStream_t x = nullptr;
    check(cudaStreamCreateWithFlags(&x, cudaStreamNonBlocking), "cudaStreamCreateWithFlags (copy stream)");
    return x;
  }();
  return s;
}
cudaStream_t stream_of(StreamRole r) { return r == StreamRole::Copy ? copy_stream() : nullptr; }
}  // namespace

std::shared_ptr<void> record_mark(StreamRole on) {
  cudaEvent_t e = nullptr;
  check(cudaEventCreateWithFlags(&e, cudaEventDisableTiming), "cudaEventCreateWithFlags");
  std::shared_ptr<void> mark(static_cast<void*>(e), [](void* p) { cudaEventDestroy(static_cast<cudaEvent_t>(p)); });
  check(cudaEventRecord(e, stream_of(on)), "cudaEventRecord");
  return mark;
}

void wait_mark(StreamRole who, const std::shared_ptr<void>& mark) {
  check(cudaStreamWaitEvent(stream_of(who), static_cast<cudaEvent_t>(mark.get()), 0), "cudaStreamWaitEvent");
}

void copy_to_device_on_copy_stream(void* dst, const void* src, size_t bytes) {
  const cudaStream_t s = copy_stream();
  PinnedCache& c = pinned_cache();
  {
    std::lock_guard<std::mutex> lock(c.m);
    if (cudaEvent_t* e = pinned_event(c, const_cast<void*>(src), false)) {
      // Pinned: the copy and its block's event under the lock, so pinned_alloc never hands the
      // block out between the two.
      check(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, s), "cudaMemcpyAsync (copy stream)");
      check(cudaEventRecord(*e, s), "cudaEventRecord");
      return;
    }
  }
  // Pageable: cudaMemcpyAsync returns once the source is staged, which may wait for the copy
  // stream; not under the lock, so the loader's pinned_alloc calls are not held up meanwhile.
  check(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, s), "cudaMemcpyAsync (copy stream)");
}

void memset_zero(void* p, size_t bytes) { check(cudaMemset(p, 0, bytes), "cudaMemset"); }

CudaMemoryStats memory_stats() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lk(c.m);
  return c.stats;
}

void reset_peak() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lk(c.m);
  c.stats.peak_in_use = c.stats.in_use;
}

void empty_cache() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lk(c.m);
  release_all_locked(c);
}

}  // namespace hr::cuda
