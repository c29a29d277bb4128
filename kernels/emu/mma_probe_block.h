// The block body of mma_probe.h: one warp, one mma.
#pragma once
#include <cstdint>

#include "kernels/emu/bf16.h"
#include "kernels/emu/mma_layout.h"
#include "kernels/emu/thread.h"

namespace hr::kern {

struct MmaProbeParams {
  const float* A;
  const float* B;
  const float* C;
  float* D;
};

struct MmaProbeBlock {
  template <typename Ctx>
  static HR_EMU_DEV void run(Ctx& ctx, const MmaProbeParams& p) {
    namespace L = emu::mma16816;
    auto a = ctx.template regs<uint32_t, L::kARegs>();
    auto b = ctx.template regs<uint32_t, L::kBRegs>();
    auto d = ctx.template regs<float, L::kCRegs>();
    ctx.for_each_thread([&](emu::Thread t) {
      const int lane = t.id;
      const auto at = [&](int i) { return emu::bf16_from_float(p.A[L::a_row(lane, i) * L::kK + L::a_col(lane, i)]); };
      const auto bt = [&](int i) { return emu::bf16_from_float(p.B[L::b_row(lane, i) * L::kN + L::b_col(lane, i)]); };
      for (int j = 0; j < L::kARegs; ++j) a[t][j] = emu::pack_bf16x2(at(2 * j), at(2 * j + 1));
      for (int j = 0; j < L::kBRegs; ++j) b[t][j] = emu::pack_bf16x2(bt(2 * j), bt(2 * j + 1));
      for (int i = 0; i < L::kCRegs; ++i) d[t][i] = p.C[L::c_row(lane, i) * L::kN + L::c_col(lane, i)];
    });
    ctx.mma_bf16_16816(d, 0, a, 0, b, 0);
    ctx.for_each_thread([&](emu::Thread t) {
      for (int i = 0; i < L::kCRegs; ++i) p.D[L::c_row(t.id, i) * L::kN + L::c_col(t.id, i)] = d[t][i];
    });
    ctx.end_block();
  }
};

struct LdmatrixProbeParams {
  const uint32_t* in;
  emu::GlobalPtr<uint32_t> out;
};

struct LdmatrixProbeBlock {
  static constexpr int kWords = 16 * 8;
  template <typename Ctx>
  static HR_EMU_DEV void run(Ctx& ctx, const LdmatrixProbeParams& p) {
    emu::SharedArray<uint32_t> s = ctx.template shared<uint32_t>(kWords);
    auto addr = ctx.template regs<int, 1>();
    auto d = ctx.template regs<uint32_t, 4>();
    ctx.for_each_thread([&](emu::Thread t) {
      for (int i = t.id; i < kWords; i += 32) s[i] = p.in[i];
    });
    ctx.barrier();
    ctx.for_each_thread([&](emu::Thread t) {
      const int j = t.id / 8;
      addr[t][0] = (t.id % 8 + ((j & 1) ? 8 : 0)) * 8 + ((j & 2) ? 4 : 0);
    });
    ctx.ldmatrix_x4(d, 0, s, addr, 0);
    ctx.for_each_thread([&](emu::Thread t) {
      for (int j = 0; j < 4; ++j) p.out[t.id * 4 + j] = d[t][j];
    });
    ctx.end_block();
  }
};

}  // namespace hr::kern
