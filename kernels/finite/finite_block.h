// The block bodies of the device-side finiteness scan (finite.h), written for the grid
// emulator. The host cuts every tensor into chunks of kChunk elements; block b scans chunk b
// (each thread ORs its strided elements, thread 0 ORs the threads' flags after a barrier) and
// marks it; a one-thread pass then walks the chunks in order and reports the tensor of the
// first marked one. No atomics: the answer is the same whatever order blocks run in.
#pragma once
#include <cstdint>

#include "kernels/emu/bf16.h"
#include "kernels/emu/thread.h"

namespace hr::kern {

struct FiniteChunk {
  int tensor;
  int64_t start, end;
};

struct FiniteParams {
  const float* const* data = nullptr;  // [tensors]
  const FiniteChunk* chunks = nullptr;
  int nchunks = 0;
  emu::GlobalPtr<int> chunk_bad;  // [nchunks]
  emu::GlobalPtr<int> result;     // [1]: first bad tensor or -1
};

// NaN or infinity: the exponent bits all set.
HR_HD bool nonfinite_bits(float v) { return (emu::float_bits(v) & 0x7f800000u) == 0x7f800000u; }

struct FiniteScanBlock {
  static constexpr int kThreads = 256;
  static constexpr int64_t kChunk = int64_t(1) << 16;
  static HR_HD emu::Dim3 block() { return emu::Dim3{kThreads, 1, 1}; }
  static HR_HD int shared_bytes() { return emu::shared_align(int(sizeof(int)) * kThreads); }

  template <typename Ctx>
  static HR_EMU_DEV void run(Ctx& ctx, const FiniteParams& p) {
    const FiniteChunk ch = p.chunks[ctx.block_idx().x];
    emu::SharedArray<int> flag = ctx.template shared<int>(kThreads);
    ctx.for_each_thread([&](emu::Thread t) {
      const float* x = p.data[ch.tensor];
      int bad = 0;
      for (int64_t i = ch.start + t.id; i < ch.end; i += kThreads) bad |= nonfinite_bits(x[i]) ? 1 : 0;
      flag[t.id] = bad;
    });
    ctx.barrier();
    ctx.for_each_thread([&](emu::Thread t) {
      if (t.id != 0) return;
      int bad = 0;
      for (int i = 0; i < kThreads; ++i) bad |= flag[i];
      p.chunk_bad[ctx.block_idx().x] = bad;
    });
    ctx.end_block();
  }
};

struct FiniteFirstBlock {
  template <typename Ctx>
  static HR_EMU_DEV void run(Ctx& ctx, const FiniteParams& p) {
    ctx.for_each_thread([&](emu::Thread) {
      int first = -1;
      for (int c = 0; c < p.nchunks && first < 0; ++c)
        if (p.chunk_bad[c]) first = p.chunks[c].tensor;
      p.result[0] = first;
    });
    ctx.end_block();
  }
};

}  // namespace hr::kern
