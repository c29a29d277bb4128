// Batch-norm statistics fused into the native forward's epilogue: per-channel moments of the
// block's output tile, in the partial format of kernels/batchnorm/moments_block.h, so that its
// in-order merge (MomentsMergeBlock, one partial per M tile) gives the batch mean and variance
// without reading the convolution's output again.
//
// The block's accumulators go to a shared tile (any thread-to-element ownership: the block body
// passes a visitor), then one thread per column sums the tile's valid rows in double, twice
// (mean, then squared deviations), and writes (rows, mean, M2) for (M tile, channel).
// Statistics of the raw convolution output, before any epilogue transform.
#pragma once
#include <cstdint>

#include "kernels/batchnorm/moments_block.h"
#include "kernels/common/conv_shape.h"
#include "kernels/emu/thread.h"

namespace hr::kern::native {

template <int TM, int TN>
struct TileStats {
  static constexpr int kLd = TN + 1;
  static HR_HD int shared_bytes() { return emu::shared_align(int(sizeof(float)) * TM * kLd); }

  // visit_owned(t, put) calls put(row_in_tile, col_in_tile, value) for every accumulator of
  // thread t. stats: [M tiles][N][3].
  template <typename Ctx, typename Visit>
  static HR_EMU_DEV void run(Ctx& ctx, int64_t m0, int64_t M, int n0, int N, int tile, double* stats,
                             Visit&& visit_owned) {
    emu::SharedArray<float> cs = ctx.template shared<float>(TM * kLd);
    ctx.for_each_thread([&](emu::Thread t) {
      visit_owned(t, [&](int r, int c, float v) { cs[r * kLd + c] = v; });
    });
    ctx.barrier();  // the tile is complete before the columns are summed
    ctx.for_each_thread([&](emu::Thread t) {
      if (t.id >= TN || n0 + t.id >= N) return;
      const int rows = M - m0 < TM ? int(M - m0) : TM;
      double s = 0.0;
      for (int r = 0; r < rows; ++r) s += double(cs[r * kLd + t.id]);
      const double mean = s / double(rows);
      double m2 = 0.0;
      for (int r = 0; r < rows; ++r) {
        const double d = double(cs[r * kLd + t.id]) - mean;
        m2 += d * d;
      }
      const emu::GlobalPtr<double> o(stats + (int64_t(tile) * N + n0 + t.id) * 3);
      o[0] = double(rows);
      o[1] = mean;
      o[2] = m2;
    });
    // Before returning: on the CPU the phases run at the next barrier, and they read this
    // function's parameters and the caller's visitor by reference (an ASan build of the
    // emulator tests caught them read after return).
    ctx.barrier();
  }
};

// The statistics of a forward of d: one partial (rows, mean, M2) per 64-row tile and output
// channel, and the merge of the tiles in order into mean and var (MomentsMergeBlock), the
// same for the emulator and CUDA entry points.
constexpr int kStatsTileRows = 64;  // the forward blocks' M tile (checked where they launch)
inline int stats_tiles(const ConvDesc& d) { return int((d.rows() + kStatsTileRows - 1) / kStatsTileRows); }
inline size_t stats_partial_count(const ConvDesc& d) { return size_t(stats_tiles(d)) * size_t(d.Cout) * 3; }
inline MomentsParams stats_merge_params(const ConvDesc& d, double* partial, double* mean, double* var) {
  MomentsParams mp;
  mp.C = d.Cout;
  mp.chunks = stats_tiles(d);
  mp.partial = partial;
  mp.mean = mean;
  mp.var = var;
  return mp;
}

}  // namespace hr::kern::native
