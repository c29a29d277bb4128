// The tensor-core implicit-GEMM block body: mma.sync m16n8k16 with bf16 operands and f32
// accumulators, over the same problems as igemm_f32.h (problems.h), written once for the grid
// emulator: nvcc issues the real instruction (emu::CudaBlock::mma_bf16_16816), the CPU
// emulator gathers the warp's fragments by the PTX layouts and multiplies (cpu_mma.cpp).
//
// Block: 4 warps in 2 x 2 over a 64 x 64 tile of C; each warp owns 32 x 32 = 2 x 4 mma tiles
// of 16 x 8 (32 accumulators per thread). K advances in slices of 32 (two mma k-steps): A and
// B are gathered from the f32 tensors, rounded to bf16 (nearest even) and staged in shared
// memory as k-pairs, one 32-bit word per (row, k/2): exactly the register format of the
// fragments, so a fragment register is one shared load. Rows are padded to 20 words, which
// makes the fragment loads of a warp (8 rows x 4 words) hit 32 different banks; the staging
// stores are laid out the same way (stage_slot).
//
// Two versions (kPipelined below): the simple one stages each K slice and then multiplies it;
// the tuned one gathers the next slice into registers while the current one is multiplied
// (the global loads' latency hides behind the mma work; cp.async cannot be used because the
// operands are converted from f32 on the way) and loads fragments with ldmatrix.x4. Not tuned
// further yet: gathers element by element, with divisions. The [cuda] tests and hrnet-bench
// kernels measure them against cuDNN.
#pragma once
#include <cstdint>

#include "kernels/conv_native/igemm_f32.h"
#include "kernels/conv_native/problems.h"
#include "kernels/conv_native/tile_stats.h"
#include "kernels/emu/bf16.h"
#include "kernels/emu/mma_layout.h"
#include "kernels/emu/thread.h"

namespace hr::kern::native {

// kPipelined: the tuned version. The next K slice is gathered into registers while the
// current one is multiplied (hides the global loads' latency, at about twice the registers,
// so half the resident blocks), and fragments are loaded with ldmatrix.x4 (4 fragment
// registers per instruction instead of one 32-bit load each). Both versions are kept side by
// side; the registry and hrnet-bench kernels measure which wins on a GPU.
template <typename Problem, bool kPipelined = false>
struct IgemmBf16Block {
  static constexpr int kTM = 64, kTN = 64, kTK = 32;
  static constexpr int kWarpsM = 2, kWarpsN = 2, kThreads = 32 * kWarpsM * kWarpsN;
  static constexpr int kWM = kTM / kWarpsM, kWN = kTN / kWarpsN;  // 32 x 32 per warp
  static constexpr int kMi = kWM / emu::mma16816::kM, kNi = kWN / emu::mma16816::kN;  // 2 x 4 mma tiles
  static constexpr int kPairs = kTK / 2;  // 32-bit words per staged row
  static constexpr int kLdw = kPairs + 4;  // padded row, in words
  static_assert(kLdw % 4 == 0, "ldmatrix needs 16-byte aligned rows");
  static constexpr int kKTile = kTK;
  static_assert(kTM == kStatsTileRows, "the fused statistics count one partial per M tile");
  static constexpr int kAcc = kMi * kNi * emu::mma16816::kCRegs;
  static constexpr int kStage = kTM * kPairs / kThreads;  // staged words per thread and operand

  // The statistics tile only for launches that compute the fused statistics (p.stats).
  static HR_HD int shared_bytes(bool stats) {
    return 2 * emu::shared_align(int(sizeof(uint32_t)) * kTM * kLdw) + (stats ? TileStats<kTM, kTN>::shared_bytes() : 0);
  }
  static HR_HD emu::Dim3 block() { return emu::Dim3{kThreads, 1, 1}; }
  static HR_HD emu::Dim3 grid(int64_t M, int N, int splits) { return tile_grid<kTM, kTN>(M, N, splits); }

  // Which (row, k-pair) of a 64 x 16-word staged tile slot e (0..1023) fills. Each warp's 32
  // consecutive slots cover 8 rows x 4 words, which with rows of 20 words hit 32 different
  // banks (a warp over 32 rows of one word, or 2 rows of 16, is 4- or 2-way conflicted).
  // k_fast: the 4 words of a row go to neighbouring lanes (the tensor is contiguous in k, 32
  // bytes a row); else the 8 rows do (contiguous in the row index).
  static HR_HD void stage_slot(int e, bool k_fast, int& r, int& kp) {
    const int lane = e % 32, w = e / 32;  // w: 0..31, 8 row groups x 4 word groups
    const int in_row = k_fast ? lane / 4 : lane % 8, in_kp = k_fast ? lane % 4 : lane / 8;
    r = in_row + 8 * (w % 8);
    kp = in_kp + 4 * (w / 8);
  }
  static_assert(kTM == 64 && kTN == 64 && kPairs == 16, "stage_slot covers 64 rows x 16 words");

  // The staged word of A at tile row r, k-pair kp of the slice at k0: the bf16 pair
  // (k, k + 1), zero outside the problem and past the split's end.
  static HR_HD uint32_t gather_a(const Problem& pr, int64_t m0, int64_t M, int64_t k0, int64_t k_end, int r, int kp) {
    const int64_t k = k0 + 2 * kp;
    float lo = 0.f, hi = 0.f;
    if (m0 + r < M) {
      if (k < k_end) lo = pr.a(m0 + r, k);
      if (k + 1 < k_end) hi = pr.a(m0 + r, k + 1);
    }
    return emu::pack_bf16x2(emu::bf16_from_float(lo), emu::bf16_from_float(hi));
  }
  // The same for B at tile column r.
  static HR_HD uint32_t gather_b(const Problem& pr, int n0, int N, int64_t k0, int64_t k_end, int r, int kp) {
    const int64_t k = k0 + 2 * kp;
    float lo = 0.f, hi = 0.f;
    if (n0 + r < N) {
      if (k < k_end) lo = pr.b(k, n0 + r);
      if (k + 1 < k_end) hi = pr.b(k + 1, n0 + r);
    }
    return emu::pack_bf16x2(emu::bf16_from_float(lo), emu::bf16_from_float(hi));
  }

  // f(row_in_tile, col_in_tile, value) for every accumulator of thread t, by the mma C layout.
  // Unrolled: with the forward's epilogue (its broadcast loops) in the body, nvcc would
  // otherwise keep the loop rolled and the accumulators in a stack frame (ptxas: 128 bytes).
  template <typename F>
  static HR_HD void for_each_acc(const emu::Thread& t, const float* c, F&& f) {
    namespace L = emu::mma16816;
    const int lane = t.id % 32, warp = t.id / 32;
    const int wm = (warp / kWarpsN) * kWM, wn = (warp % kWarpsN) * kWN;
    HR_UNROLL
    for (int mi = 0; mi < kMi; ++mi)
      HR_UNROLL
      for (int ni = 0; ni < kNi; ++ni)
        HR_UNROLL
        for (int i = 0; i < L::kCRegs; ++i)
          f(wm + mi * L::kM + L::c_row(lane, i), wn + ni * L::kN + L::c_col(lane, i), c[(mi * kNi + ni) * L::kCRegs + i]);
  }

  template <typename Ctx>
  static HR_EMU_DEV void run(Ctx& ctx, const IgemmParams<Problem>& p) {
    namespace L = emu::mma16816;
    const Problem& pr = p.prob;
    const emu::Dim3 bi = ctx.block_idx();
    const BlockTile tile = block_tile<kTM, kTN, kKTile>(pr, p.splits, bi.x, bi.y, bi.z);
    const int64_t M = tile.M, m0 = tile.m0, k_begin = tile.k_begin, k_end = tile.k_end;
    const int N = tile.N, n0 = tile.n0, split = tile.split;
    emu::SharedArray<uint32_t> as = ctx.template shared<uint32_t>(kTM * kLdw);  // [m][k/2]
    emu::SharedArray<uint32_t> bs = ctx.template shared<uint32_t>(kTN * kLdw);  // [n][k/2]
    auto acc = ctx.template regs<float, kAcc>();
    auto af = ctx.template regs<uint32_t, kMi * L::kARegs>();
    auto bf = ctx.template regs<uint32_t, kNi * L::kBRegs>();
    auto lm = ctx.template regs<int, kMi + kNi / 2>();  // ldmatrix row addresses (pipelined version)

    // The next K slice waits in registers (packed bf16 pairs) while the current one is
    // multiplied: its global loads are issued before the mma work, which hides their latency.
    auto ra = ctx.template regs<uint32_t, kStage>();
    auto rb = ctx.template regs<uint32_t, kStage>();
    // Gather slice k0 into ra / rb: each word is the bf16 pair (k, k + 1) of one row.
    const auto gather = [&](int64_t k0) {
      ctx.for_each_thread([&, k0](emu::Thread t) {
        HR_UNROLL
        for (int i = 0; i < kStage; ++i) {
          const int e = t.id + i * kThreads;
          int r, kp;
          stage_slot(e, StagingOrder<Problem>::a_k_fast, r, kp);
          ra[t][i] = gather_a(pr, m0, M, k0, k_end, r, kp);
          stage_slot(e, StagingOrder<Problem>::b_k_fast, r, kp);
          rb[t][i] = gather_b(pr, n0, N, k0, k_end, r, kp);
        }
      });
    };
    // The simple version: gather slice k0 straight into the shared tiles (a rolled loop, no
    // register arrays: half the registers of the pipelined version).
    const auto stage_direct = [&](int64_t k0) {
      ctx.for_each_thread([&, k0](emu::Thread t) {
        for (int e = t.id; e < kTM * kPairs; e += kThreads) {
          int r, kp;
          stage_slot(e, StagingOrder<Problem>::a_k_fast, r, kp);
          as[r * kLdw + kp] = gather_a(pr, m0, M, k0, k_end, r, kp);
          stage_slot(e, StagingOrder<Problem>::b_k_fast, r, kp);
          bs[r * kLdw + kp] = gather_b(pr, n0, N, k0, k_end, r, kp);
        }
      });
    };
    // Store the gathered slice into the shared tiles (the same slots stage_slot chose).
    const auto store = [&] {
      ctx.for_each_thread([&](emu::Thread t) {
        HR_UNROLL
        for (int i = 0; i < kStage; ++i) {
          const int e = t.id + i * kThreads;
          int r, kp;
          stage_slot(e, StagingOrder<Problem>::a_k_fast, r, kp);
          as[r * kLdw + kp] = ra[t][i];
          stage_slot(e, StagingOrder<Problem>::b_k_fast, r, kp);
          bs[r * kLdw + kp] = rb[t][i];
        }
      });
    };

    ctx.for_each_thread([&](emu::Thread t) {
      float* c = acc[t];
      for (int i = 0; i < kAcc; ++i) c[i] = 0.f;
    });
    if (kPipelined && k_begin < k_end) {
      gather(k_begin);
      store();
    }
    for (int64_t k0 = k_begin; k0 < k_end; k0 += kTK) {
      const bool more = k0 + kTK < k_end;  // block-uniform
      if (!kPipelined) {
        stage_direct(k0);  // this slice, straight to shared memory
      } else if (more) {
        gather(k0 + kTK);  // the next slice: in flight during this slice's mma work
      }
      ctx.barrier();  // the slice is staged before any warp loads fragments
      for (int ks = 0; ks < kTK / L::kK; ++ks) {
        if (kPipelined) {
          // ldmatrix.x4: each lane names one row of one 8 x 8 matrix (8 bf16 = 4 staged words)
          // and receives one word of each of four matrices, exactly a fragment's registers.
          // A: matrices (rows +0/+8) x (k +0/+8) give a0a1, a2a3, a4a5, a6a7 of one m16 tile;
          // B: (n tile 2q / 2q+1) x (k +0/+8) give b0b1, b2b3 of two n8 tiles.
          ctx.for_each_thread([&, ks](emu::Thread t) {
            const int lane = t.id % 32, warp = t.id / 32, j = lane / 8;
            const int wm = (warp / kWarpsN) * kWM, wn = (warp % kWarpsN) * kWN;
            int* a = lm[t];
            for (int mi = 0; mi < kMi; ++mi)
              a[mi] = (wm + mi * L::kM + lane % 8 + ((j & 1) ? 8 : 0)) * kLdw + ks * (L::kK / 2) + ((j & 2) ? 4 : 0);
            for (int q = 0; q < kNi / 2; ++q)
              a[kMi + q] = (wn + (2 * q + j / 2) * L::kN + lane % 8) * kLdw + ks * (L::kK / 2) + ((j & 1) ? 4 : 0);
          });
          for (int mi = 0; mi < kMi; ++mi) ctx.ldmatrix_x4(af, mi * L::kARegs, as, lm, mi);
          for (int q = 0; q < kNi / 2; ++q) ctx.ldmatrix_x4(bf, 2 * q * L::kBRegs, bs, lm, kMi + q);
        } else {
        // Fragments from shared memory by the documented layouts (register j holds elements
        // 2j and 2j + 1, which share a row and sit in one staged word). ks is captured by
        // value: no barrier separates the k-steps, so on the CPU this phase runs after the
        // loop has moved on.
        ctx.for_each_thread([&, ks](emu::Thread t) {
          const int lane = t.id % 32, warp = t.id / 32;
          const int wm = (warp / kWarpsN) * kWM, wn = (warp % kWarpsN) * kWN;
          uint32_t* a = af[t];
          uint32_t* b = bf[t];
          for (int mi = 0; mi < kMi; ++mi)
            for (int j = 0; j < L::kARegs; ++j)
              a[mi * L::kARegs + j] =
                  as[(wm + mi * L::kM + L::a_row(lane, 2 * j)) * kLdw + ks * (L::kK / 2) + L::a_col(lane, 2 * j) / 2];
          for (int ni = 0; ni < kNi; ++ni)
            for (int j = 0; j < L::kBRegs; ++j)
              b[ni * L::kBRegs + j] =
                  bs[(wn + ni * L::kN + L::b_col(lane, 2 * j)) * kLdw + ks * (L::kK / 2) + L::b_row(lane, 2 * j) / 2];
        });
        }
        for (int mi = 0; mi < kMi; ++mi)
          for (int ni = 0; ni < kNi; ++ni)
            ctx.mma_bf16_16816(acc, (mi * kNi + ni) * L::kCRegs, af, mi * L::kARegs, bf, ni * L::kBRegs);
      }
      ctx.barrier();  // every warp has its fragments before the next slice overwrites the tiles
      if (kPipelined && more) store();
    }
    ctx.for_each_thread([&](emu::Thread t) {
      for_each_acc(t, acc[t], [&](int r, int col, float v) {
        const int64_t m = m0 + r;
        const int n = n0 + col;
        if (m < M && n < N) pr.store(m, n, v, split);
      });
    });
    if (p.stats)  // block-uniform: a launch parameter
      TileStats<kTM, kTN>::run(ctx, m0, M, n0, N, bi.x, p.stats,
                               [&](emu::Thread t, auto&& put) { for_each_acc(t, acc[t], put); });
    ctx.end_block();
  }
};

// The two versions as one-parameter templates (the entry points take template templates).
template <typename Problem>
using IgemmBf16SimpleBlock = IgemmBf16Block<Problem, false>;
template <typename Problem>
using IgemmBf16PipelinedBlock = IgemmBf16Block<Problem, true>;

}  // namespace hr::kern::native
