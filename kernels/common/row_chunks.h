// How the deterministic per-channel reductions over the rows of an NHWC [rows][C] array cut
// the rows into chunks (kernels/common/channel_reduce.cuh, kernels/batchnorm/bn_blocks.h):
// at least 256 rows a chunk, at most 1024 chunks, so each block has enough rows to amortise
// its final lane sum while the in-order combination of the chunks stays short. No CUDA
// headers: the CPU grid emulator plans the same chunks.
#pragma once
#include <cstdint>

namespace hr::kern {

struct RowChunks {
  int64_t rows_per_chunk = 0;
  int count = 0;
};

inline RowChunks plan_row_chunks(int64_t rows) {
  constexpr int64_t kMinRows = 256, kMaxChunks = 1024;
  RowChunks c;
  int64_t n = (rows + kMinRows - 1) / kMinRows;
  if (n > kMaxChunks) n = kMaxChunks;
  if (n < 1) n = 1;
  c.rows_per_chunk = (rows + n - 1) / n;
  if (c.rows_per_chunk < 1) c.rows_per_chunk = 1;
  c.count = int((rows + c.rows_per_chunk - 1) / c.rows_per_chunk);
  if (c.count < 1) c.count = 1;
  return c;
}

}  // namespace hr::kern
