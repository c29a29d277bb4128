// Stand-ins for a build without CUDA: every device request is a clear error.
#include "engine/cuda/cuda_memory.h"
#include "engine/cuda/timing.h"
#include "engine/error.h"

namespace hr::cuda {

int device_count() { return 0; }
void* device_alloc(size_t bytes) {
  fail("cannot allocate {} bytes on CUDA: this build has no CUDA backend (configure with the "
       "'release' preset on a machine with nvcc)", bytes);
}
void device_free(void*, size_t) {}
void copy(void*, bool, const void*, bool, size_t) {
  fail("cannot copy to or from CUDA: this build has no CUDA backend");
}
void memset_zero(void*, size_t) { fail("cannot memset CUDA memory: this build has no CUDA backend"); }
CudaMemoryStats memory_stats() { return {}; }
void reset_peak() {}
void empty_cache() {}
void* pinned_alloc(size_t) { fail("cannot allocate pinned host memory: this build has no CUDA backend"); }
void pinned_free(void*, size_t) {}
std::shared_ptr<void> record_mark(StreamRole) { fail("cannot use CUDA streams: this build has no CUDA backend"); }
void wait_mark(StreamRole, const std::shared_ptr<void>&) { fail("cannot use CUDA streams: this build has no CUDA backend"); }
void copy_to_device_on_copy_stream(void*, const void*, size_t) {
  fail("cannot copy to CUDA: this build has no CUDA backend");
}
void synchronize() {}
double time_ms(const std::function<void()>&, int, int) { fail("cannot time on CUDA: this build has no CUDA backend"); }
std::string device_description() { return ""; }
std::string device_name() { return ""; }

}  // namespace hr::cuda
