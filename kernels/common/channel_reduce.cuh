// Deterministic per-channel sums over the rows of an NHWC [rows][C] array on the GPU, the
// CUDA counterpart of the CPU's chunked partial sums: each block sums one chunk of rows for
// 32 channels in double (threads along x read consecutive channels, so loads coalesce), the
// per-chunk partials go to a buffer, and a finishing kernel adds the chunks in chunk order.
// No atomics, so a result depends only on the shape. Include from .cu files only.
#pragma once
#include <cstdint>

#include "kernels/common/cuda_check.h"
#include "kernels/common/row_chunks.h"
#include "kernels/common/stream.h"
#include "kernels/common/workspace.h"

namespace hr::kern::reduce {

constexpr int kTileC = 32;     // channels per block (threadIdx.x)
constexpr int kLanesR = 8;     // row lanes per block (threadIdx.y)
// The chunking is shared with the CPU grid emulator (row_chunks.h).
using Chunks = RowChunks;
inline Chunks plan_chunks(int64_t rows) { return plan_row_chunks(rows); }

// partial[(chunk * NS + k) * C + c] = sum over the chunk's rows r of f(r, c)[k].
// f(r, c, double acc[NS]) adds its NS terms into acc.
template <int NS, typename F>
__global__ void channel_partials(int64_t rows, int C, int64_t rows_per_chunk, F f, double* partial) {
  __shared__ double sh[NS][kLanesR][kTileC];
  const int c = blockIdx.x * kTileC + threadIdx.x;
  const int64_t r0 = int64_t(blockIdx.y) * rows_per_chunk;
  const int64_t r1 = r0 + rows_per_chunk < rows ? r0 + rows_per_chunk : rows;
  double acc[NS];
  for (int k = 0; k < NS; ++k) acc[k] = 0.0;
  if (c < C)
    for (int64_t r = r0 + threadIdx.y; r < r1; r += kLanesR) f(r, c, acc);
  for (int k = 0; k < NS; ++k) sh[k][threadIdx.y][threadIdx.x] = acc[k];
  __syncthreads();
  if (threadIdx.y == 0 && c < C)
    for (int k = 0; k < NS; ++k) {
      double s = 0.0;
      for (int y = 0; y < kLanesR; ++y) s += sh[k][y][threadIdx.x];
      partial[(int64_t(blockIdx.y) * NS + k) * C + c] = s;
    }
}

// Sum k of channel c over all chunks, in chunk order (device side of the finishing kernels).
__device__ inline double chunk_total(const double* partial, int chunks, int NS, int k, int C, int c) {
  double s = 0.0;
  for (int i = 0; i < chunks; ++i) s += partial[(int64_t(i) * NS + k) * C + c];
  return s;
}

// Launches channel_partials into a partial buffer from ws; returns it and the chunk count.
template <int NS, typename F>
double* launch_channel_partials(int64_t rows, int C, F f, Workspace& ws, Stream stream, int* chunks,
                                const char* what) {
  const Chunks ch = plan_chunks(rows);
  double* partial = static_cast<double*>(ws.get(size_t(ch.count) * NS * size_t(C) * sizeof(double)));
  const dim3 block(kTileC, kLanesR), grid(unsigned((C + kTileC - 1) / kTileC), unsigned(ch.count));
  channel_partials<NS><<<grid, block, 0, stream>>>(rows, C, ch.rows_per_chunk, f, partial);
  cuda_check(cudaGetLastError(), what);
  *chunks = ch.count;
  return partial;
}

}  // namespace hr::kern::reduce
