// The thread pool that the CPU kernels use.
//
// It lives in kernels/ (the bottom layer) so that kernels need nothing from engine/;
// engine/ exposes it to users as hr::set_num_threads. Size: std::thread::hardware_concurrency(),
// overridable by HRNET_NUM_THREADS or set_num_threads().
#pragma once
#include <cstdint>
#include <functional>

namespace hr::kern {

int num_threads();
void set_num_threads(int n);  // n <= 0 restores the hardware default

// Splits [0, n) into at most num_threads() contiguous chunks of at least `grain` items and
// runs fn(begin, end, chunk_index) on them; the calling thread takes part. Chunk boundaries
// depend only on (n, grain, num_threads()), never on timing, so reductions that combine
// per-chunk partials in chunk order are deterministic for a given thread count.
// Nested calls (from inside a chunk) run serially on the calling thread.
void parallel_for(int64_t n, int64_t grain,
                  const std::function<void(int64_t begin, int64_t end, int chunk)>& fn);

// Number of chunks parallel_for(n, grain, ...) will use (for sizing per-chunk scratch).
int parallel_chunks(int64_t n, int64_t grain);

}  // namespace hr::kern
