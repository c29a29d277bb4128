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
// Not tuned yet: no cp.async double buffering, no ldmatrix, gathers element by element. The
// [cuda] tests and hrnet-bench kernels measure it against cuDNN.
#pragma once
#include <cstdint>

#include "kernels/conv_native/igemm_f32.h"
#include "kernels/conv_native/problems.h"
#include "kernels/emu/bf16.h"
#include "kernels/emu/mma_layout.h"
#include "kernels/emu/thread.h"

namespace hr::kern::native {

template <typename Problem>
struct IgemmBf16Block {
  static constexpr int kTM = 64, kTN = 64, kTK = 32;
  static constexpr int kWarpsM = 2, kWarpsN = 2, kThreads = 32 * kWarpsM * kWarpsN;
  static constexpr int kWM = kTM / kWarpsM, kWN = kTN / kWarpsN;  // 32 x 32 per warp
  static constexpr int kMi = kWM / emu::mma16816::kM, kNi = kWN / emu::mma16816::kN;  // 2 x 4 mma tiles
  static constexpr int kPairs = kTK / 2;  // 32-bit words per staged row
  static constexpr int kLdw = kPairs + 4;  // padded row, in words
  static constexpr int kKTile = kTK;
  static constexpr int kAcc = kMi * kNi * emu::mma16816::kCRegs;

  static HR_HD int shared_bytes() { return 2 * emu::shared_align(int(sizeof(uint32_t)) * kTM * kLdw); }
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

    ctx.for_each_thread([&](emu::Thread t) {
      float* c = acc[t];
      for (int i = 0; i < kAcc; ++i) c[i] = 0.f;
    });
    for (int64_t k0 = k_begin; k0 < k_end; k0 += kTK) {
      // Stage one slice: each word is the bf16 pair (k, k + 1) of one row.
      ctx.for_each_thread([&](emu::Thread t) {
        for (int e = t.id; e < kTM * kPairs; e += kThreads) {
          int r, kp;
          stage_slot(e, StagingOrder<Problem>::a_k_fast, r, kp);
          int64_t k = k0 + 2 * kp;
          float lo = 0.f, hi = 0.f;
          if (m0 + r < M) {
            if (k < k_end) lo = pr.a(m0 + r, k);
            if (k + 1 < k_end) hi = pr.a(m0 + r, k + 1);
          }
          as[r * kLdw + kp] = emu::pack_bf16x2(emu::bf16_from_float(lo), emu::bf16_from_float(hi));
          stage_slot(e, StagingOrder<Problem>::b_k_fast, r, kp);
          k = k0 + 2 * kp;
          lo = hi = 0.f;
          if (n0 + r < N) {
            if (k < k_end) lo = pr.b(k, n0 + r);
            if (k + 1 < k_end) hi = pr.b(k + 1, n0 + r);
          }
          bs[r * kLdw + kp] = emu::pack_bf16x2(emu::bf16_from_float(lo), emu::bf16_from_float(hi));
        }
      });
      ctx.barrier();  // the slice is staged before any warp loads fragments
      for (int ks = 0; ks < kTK / L::kK; ++ks) {
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
        for (int mi = 0; mi < kMi; ++mi)
          for (int ni = 0; ni < kNi; ++ni)
            ctx.mma_bf16_16816(acc, (mi * kNi + ni) * L::kCRegs, af, mi * L::kARegs, bf, ni * L::kBRegs);
      }
      ctx.barrier();  // every warp has its fragments before the next slice overwrites the tiles
    }
    ctx.for_each_thread([&](emu::Thread t) {
      const int lane = t.id % 32, warp = t.id / 32;
      const int wm = (warp / kWarpsN) * kWM, wn = (warp % kWarpsN) * kWN;
      const float* c = acc[t];
      // Unrolled: with the forward's epilogue (its broadcast loops) in the body nvcc would
      // otherwise keep this loop rolled and the accumulators in a stack frame (ptxas: 128 bytes).
      HR_UNROLL
      for (int mi = 0; mi < kMi; ++mi)
        HR_UNROLL
        for (int ni = 0; ni < kNi; ++ni)
          HR_UNROLL
          for (int i = 0; i < L::kCRegs; ++i) {
            const int64_t m = m0 + wm + mi * L::kM + L::c_row(lane, i);
            const int n = n0 + wn + ni * L::kN + L::c_col(lane, i);
            if (m < M && n < N) pr.store(m, n, c[(mi * kNi + ni) * L::kCRegs + i], split);
          }
    });
    ctx.end_block();
  }
};

}  // namespace hr::kern::native
