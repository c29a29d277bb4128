// The second pass of the split-K weight gradient: dw[i] += partial[0][i] + partial[1][i] + ...
// in split order, one thread per element, so the result is the same on every backend and in
// every run (no atomics). Written for the grid emulator like the GEMM bodies.
#pragma once
#include <cstdint>

#include "kernels/emu/thread.h"

namespace hr::kern::native {

struct SplitReduceParams {
  int64_t n = 0;  // elements of dw
  int splits = 1;
  const float* partial = nullptr;  // [splits][n]
  emu::GlobalPtr<float> dw;
};

struct SplitReduceBlock {
  static constexpr int kThreads = 256;
  static HR_HD emu::Dim3 block() { return emu::Dim3{kThreads, 1, 1}; }
  static HR_HD emu::Dim3 grid(int64_t n) { return emu::Dim3{int((n + kThreads - 1) / kThreads), 1, 1}; }

  template <typename Ctx>
  static HR_EMU_DEV void run(Ctx& ctx, const SplitReduceParams& p) {
    const int64_t base = int64_t(ctx.block_idx().x) * kThreads;
    ctx.for_each_thread([&](emu::Thread t) {
      const int64_t i = base + t.id;
      if (i >= p.n) return;
      float s = p.partial[i];
      for (int k = 1; k < p.splits; ++k) s += p.partial[int64_t(k) * p.n + i];
      p.dw[i] += s;
    });
    ctx.end_block();
  }
};

}  // namespace hr::kern::native
