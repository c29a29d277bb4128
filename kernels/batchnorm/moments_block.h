// One-pass per-channel batch moments of x [rows][C] (NHWC) for batch norm's training
// statistics, written for the grid emulator (docs/kernels.md): one read of x instead of the
// two of a mean pass followed by a variance pass.
//
// Stage 1 (MomentsChunkBlock): blockIdx.y is a chunk of rows, blockIdx.x 32 channels; thread
// (x, y) sums the chunk's rows y, y + 8, ... of channel x SHIFTED by the chunk's first value K
// (sum d and sum d^2, d = x - K, in double), which keeps the variance free of cancellation when
// the mean is large against the spread. Lane partials are added in lane order and turned into
// the chunk's (n, mean, M2). Stage 2 (MomentsMergeBlock): per channel, the chunks are merged in
// chunk order by the parallel-variance rule (Chan et al.). Everything is in a fixed order, so
// the result depends only on the shape: the same in every run and under every emulator
// schedule. GPU and emulator agree to double rounding, not bit for bit (nvcc contracts the
// double multiply-adds into DFMA where GCC may not).
#pragma once
#include <cstdint>

#include "kernels/emu/thread.h"

namespace hr::kern {

struct MomentsParams {
  int64_t rows = 0;
  int C = 0;
  int64_t rows_per_chunk = 1;
  int chunks = 1;
  const float* x = nullptr;
  double* partial = nullptr;   // [chunks][C][3]: n, mean, M2
  emu::GlobalPtr<double> mean;  // [C]
  emu::GlobalPtr<double> var;   // [C], biased (M2 / rows)
};

struct MomentsChunkBlock {
  static constexpr int kTileC = 32, kLanes = 8;
  static HR_HD emu::Dim3 block() { return emu::Dim3{kTileC, kLanes, 1}; }
  static HR_HD emu::Dim3 grid(const MomentsParams& p) { return emu::Dim3{(p.C + kTileC - 1) / kTileC, p.chunks, 1}; }
  static HR_HD int shared_bytes() { return 2 * emu::shared_align(int(sizeof(double)) * kTileC * kLanes); }

  template <typename Ctx>
  static HR_EMU_DEV void run(Ctx& ctx, const MomentsParams& p) {
    const int c0 = ctx.block_idx().x * kTileC;
    const int64_t r0 = int64_t(ctx.block_idx().y) * p.rows_per_chunk;
    const int64_t r1 = r0 + p.rows_per_chunk < p.rows ? r0 + p.rows_per_chunk : p.rows;
    emu::SharedArray<double> s1 = ctx.template shared<double>(kTileC * kLanes);  // [lane][channel]
    emu::SharedArray<double> s2 = ctx.template shared<double>(kTileC * kLanes);
    ctx.for_each_thread([&](emu::Thread t) {
      const int c = c0 + t.x;
      double a1 = 0.0, a2 = 0.0;
      if (c < p.C && r0 < r1) {
        const double k = p.x[r0 * p.C + c];
        for (int64_t r = r0 + t.y; r < r1; r += kLanes) {
          const double d = double(p.x[r * p.C + c]) - k;
          a1 += d;
          a2 += d * d;
        }
      }
      s1[t.y * kTileC + t.x] = a1;
      s2[t.y * kTileC + t.x] = a2;
    });
    ctx.barrier();
    ctx.for_each_thread([&](emu::Thread t) {
      const int c = c0 + t.x;
      if (t.y != 0 || c >= p.C || r0 >= r1) return;
      double S1 = 0.0, S2 = 0.0;
      for (int y = 0; y < kLanes; ++y) {
        S1 += s1[y * kTileC + t.x];
        S2 += s2[y * kTileC + t.x];
      }
      const double n = double(r1 - r0);
      const emu::GlobalPtr<double> out(p.partial + (int64_t(ctx.block_idx().y) * p.C + c) * 3);
      out[0] = n;
      out[1] = double(p.x[r0 * p.C + c]) + S1 / n;
      const double m2 = S2 - S1 * S1 / n;
      out[2] = m2 > 0.0 ? m2 : 0.0;  // rounding can leave a tiny negative for constant data
    });
    ctx.end_block();
  }
};

struct MomentsMergeBlock {
  static constexpr int kThreads = 128;
  static HR_HD emu::Dim3 block() { return emu::Dim3{kThreads, 1, 1}; }
  static HR_HD emu::Dim3 grid(const MomentsParams& p) { return emu::Dim3{(p.C + kThreads - 1) / kThreads, 1, 1}; }
  static HR_HD int shared_bytes() { return 0; }

  template <typename Ctx>
  static HR_EMU_DEV void run(Ctx& ctx, const MomentsParams& p) {
    const int c0 = ctx.block_idx().x * kThreads;
    ctx.for_each_thread([&](emu::Thread t) {
      const int c = c0 + t.x;
      if (c >= p.C) return;
      double n = 0.0, mean = 0.0, m2 = 0.0;
      for (int k = 0; k < p.chunks; ++k) {
        const double* q = p.partial + (int64_t(k) * p.C + c) * 3;
        const double nb = q[0];
        if (nb == 0.0) continue;
        const double delta = q[1] - mean, total = n + nb;
        mean += delta * (nb / total);
        m2 += q[2] + delta * delta * (n * nb / total);
        n = total;
      }
      p.mean[c] = mean;
      p.var[c] = n > 0.0 ? m2 / n : 0.0;
    });
    ctx.end_block();
  }
};

// Rows per chunk: at least 256 rows a block and at most 256 chunks, so the merge (one thread
// per channel walking the chunks in order, a dependent chain of double divisions) stays
// short; 256 chunks of C/32 blocks still fill a GPU for HRNet's maps.
inline MomentsParams plan_moments(int64_t rows, int C, const float* x, double* partial, double* mean, double* var) {
  MomentsParams p;
  p.rows = rows;
  p.C = C;
  int64_t chunks = (rows + 255) / 256;
  if (chunks > 256) chunks = 256;
  if (chunks < 1) chunks = 1;
  p.rows_per_chunk = (rows + chunks - 1) / chunks;
  if (p.rows_per_chunk < 1) p.rows_per_chunk = 1;
  p.chunks = int((rows + p.rows_per_chunk - 1) / p.rows_per_chunk);
  if (p.chunks < 1) p.chunks = 1;
  p.x = x;
  p.partial = partial;
  p.mean = mean;
  p.var = var;
  return p;
}

}  // namespace hr::kern
