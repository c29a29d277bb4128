// The CUDA side of storage: device allocation through the caching allocator, copies, memset.
// Implemented in caching_allocator.cpp when CUDA is built in, and in no_cuda.cpp (which
// reports "built without CUDA") otherwise, so engine code never needs #ifdefs.
#pragma once
#include <cstddef>
#include <memory>

#include "engine/allocator.h"

namespace hr::cuda {

int device_count();
void* device_alloc(size_t bytes);
void device_free(void* p, size_t bytes);
void copy(void* dst, bool dst_on_device, const void* src, bool src_on_device, size_t bytes);
void memset_zero(void* p, size_t bytes);
CudaMemoryStats memory_stats();
void reset_peak();  // peak_in_use := in_use
void empty_cache();
// Page-locked host memory (cudaHostAlloc): host-to-device copies from it run at full bus
// speed and can overlap with kernels. Freed blocks are kept per exact size and reused (the
// loader allocates batches of a few sizes over and over; cudaHostAlloc costs milliseconds).
void* pinned_alloc(size_t bytes);
void pinned_free(void* p, size_t bytes);

// The copy stream: a non-blocking stream of its own (created on first use), so host-to-device
// copies on it run beside the kernels of the compute stream. Ordering between the two is the
// caller's, through marks (an event recorded on one stream, waited for by the other; the
// event is destroyed with the last copy of the pointer, which is safe while it is pending).
enum class StreamRole { Compute, Copy };
std::shared_ptr<void> record_mark(StreamRole on);
void wait_mark(StreamRole who, const std::shared_ptr<void>& mark);
// dst (device) <- src (host) on the copy stream; a pinned source block is not handed out
// again before this copy has read it (as for copy()).
void copy_to_device_on_copy_stream(void* dst, const void* src, size_t bytes);

// Rounds a request to the block size the caching allocator hands out: 512-byte granules up
// to 1 MiB, 2 MiB granules above. Exposed for tests.
size_t round_block_size(size_t bytes);

}  // namespace hr::cuda
