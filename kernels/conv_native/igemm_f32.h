// The f32 SIMT implicit-GEMM block body (problems.h gives A, B and the store rule), written
// once for the grid emulator (docs/kernels.md): nvcc runs it with emu::CudaBlock, the CPU
// emulator with emu::CpuBlock.
//
// One block computes a kTM x kTN tile of C with 16 x 16 threads; each thread owns a 4 x 4
// grid of outputs (rows t.y + 16 i, columns t.x + 16 j). blockIdx.z is the split of K
// (weight gradient; 1 split elsewhere). The K loop stages kTK-wide slices of A and B in
// shared memory, zero outside the problem. Each output is ONE fmaf chain over its split's k
// in order from 0.f, so the result depends neither on the tiling nor on the schedule, and the
// tests reproduce it bit for bit with a serial loop over the same problem.
#pragma once
#include <cmath>
#include <cstdint>

#include "kernels/conv_native/problems.h"
#include "kernels/conv_native/tile_stats.h"
#include "kernels/emu/thread.h"

namespace hr::kern::native {

template <typename Problem>
struct IgemmParams {
  Problem prob;
  int splits = 1;
  double* stats = nullptr;  // forward only: per-(M tile, channel) moments of the output (tile_stats.h)
};

// Which index of a staged tile neighbouring threads walk: along k where the tensor is
// contiguous in k (NHWC channels), along the row index otherwise, so global loads coalesce.
template <typename Problem>
struct StagingOrder;
template <>
struct StagingOrder<ConvForward> {
  static constexpr bool a_k_fast = true, b_k_fast = true;
};
template <>
struct StagingOrder<ConvBackwardData> {
  static constexpr bool a_k_fast = true, b_k_fast = false;
};
template <>
struct StagingOrder<ConvBackwardWeight> {
  static constexpr bool a_k_fast = false, b_k_fast = false;
};

template <typename Problem>
struct IgemmF32Block {
  static constexpr int kTM = 64, kTN = 64, kTK = 16;
  static constexpr int kTX = 16, kTY = 16;  // threads: x over n, y over m
  static constexpr int kRM = kTM / kTY, kRN = kTN / kTX;
  static constexpr int kThreads = kTX * kTY;
  static constexpr int kLd = kTM + 1;  // padded rows: a warp's [k][r] stores hit 32 banks
  static_assert(kTM == kTN, "one padded row length serves both tiles");
  static constexpr int kKTile = kTK;  // splits of K are cut at multiples of this
  static_assert(kTM == kStatsTileRows, "the fused statistics count one partial per M tile");

  // The statistics tile only for launches that compute the fused statistics (p.stats).
  static HR_HD int shared_bytes(bool stats) {
    return 2 * emu::shared_align(int(sizeof(float)) * kTK * kLd) + (stats ? TileStats<kTM, kTN>::shared_bytes() : 0);
  }
  static HR_HD emu::Dim3 block() { return emu::Dim3{kTX, kTY, 1}; }
  static HR_HD emu::Dim3 grid(int64_t M, int N, int splits) { return tile_grid<kTM, kTN>(M, N, splits); }

  template <typename Ctx>
  static HR_EMU_DEV void run(Ctx& ctx, const IgemmParams<Problem>& p) {
    const Problem& pr = p.prob;
    const emu::Dim3 bi = ctx.block_idx();
    const BlockTile tile = block_tile<kTM, kTN, kKTile>(pr, p.splits, bi.x, bi.y, bi.z);
    const int64_t M = tile.M, m0 = tile.m0, k_begin = tile.k_begin, k_end = tile.k_end;
    const int N = tile.N, n0 = tile.n0, split = tile.split;
    emu::SharedArray<float> as = ctx.template shared<float>(kTK * kLd);  // [k][m]
    emu::SharedArray<float> bs = ctx.template shared<float>(kTK * kLd);  // [k][n]
    auto acc = ctx.template regs<float, kRM * kRN>();

    ctx.for_each_thread([&](emu::Thread t) {
      float* c = acc[t];
      for (int i = 0; i < kRM * kRN; ++i) c[i] = 0.f;
    });
    for (int64_t k0 = k_begin; k0 < k_end; k0 += kTK) {
      ctx.for_each_thread([&](emu::Thread t) {
        for (int e = t.id; e < kTM * kTK; e += kThreads) {
          int r = StagingOrder<Problem>::a_k_fast ? e / kTK : e % kTM;
          int kk = StagingOrder<Problem>::a_k_fast ? e % kTK : e / kTM;
          int64_t k = k0 + kk;
          as[kk * kLd + r] = (m0 + r < M && k < k_end) ? pr.a(m0 + r, k) : 0.f;
          r = StagingOrder<Problem>::b_k_fast ? e / kTK : e % kTN;
          kk = StagingOrder<Problem>::b_k_fast ? e % kTK : e / kTN;
          k = k0 + kk;
          bs[kk * kLd + r] = (n0 + r < N && k < k_end) ? pr.b(k, n0 + r) : 0.f;
        }
      });
      ctx.barrier();  // the tiles are complete before anyone multiplies
      ctx.for_each_thread([&](emu::Thread t) {
        float* c = acc[t];
        const int kn = k_end - k0 < kTK ? int(k_end - k0) : kTK;  // past the split the tiles hold zeros
        for (int kk = 0; kk < kn; ++kk) {
          float av[kRM], bv[kRN];
          for (int i = 0; i < kRM; ++i) av[i] = as[kk * kLd + t.y + kTY * i];
          for (int j = 0; j < kRN; ++j) bv[j] = bs[kk * kLd + t.x + kTX * j];
          for (int i = 0; i < kRM; ++i)
            for (int j = 0; j < kRN; ++j) c[i * kRN + j] = fmaf(av[i], bv[j], c[i * kRN + j]);
        }
      });
      ctx.barrier();  // everyone is done reading before the next slice overwrites the tiles
    }
    ctx.for_each_thread([&](emu::Thread t) {
      const float* c = acc[t];
      HR_UNROLL
      for (int i = 0; i < kRM; ++i) {
        const int64_t m = m0 + t.y + kTY * i;
        if (m >= M) continue;
        HR_UNROLL
        for (int j = 0; j < kRN; ++j) {
          const int n = n0 + t.x + kTX * j;
          if (n < N) pr.store(m, n, c[i * kRN + j], split);
        }
      }
    });
    if (p.stats)  // block-uniform: a launch parameter
      TileStats<kTM, kTN>::run(ctx, m0, M, n0, N, bi.x, p.stats, [&](emu::Thread t, auto&& put) {
        const float* c = acc[t];
        HR_UNROLL
        for (int i = 0; i < kRM; ++i)
          HR_UNROLL
          for (int j = 0; j < kRN; ++j) put(t.y + kTY * i, t.x + kTX * j, c[i * kRN + j]);
      });
    ctx.end_block();
  }
};

}  // namespace hr::kern::native
