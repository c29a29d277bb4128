// The block bodies of the fused exchange-unit sum (exchange.h for the arithmetic), written
// once against the grid emulator's execution context: nvcc runs them with emu::CudaBlock
// (cuda.cu), the CPU emulator with emu::CpuBlock (emu.cpp).
#pragma once
#include <cstdint>

#include "kernels/elementwise/elementwise.h"
#include "kernels/emu/thread.h"
#include "kernels/exchange/exchange.h"

namespace hr::kern {

// Forward: one thread per output element, flat NHWC index, so a warp covers 32 consecutive
// channels of one pixel: the output store and every full-resolution term load are coalesced,
// and a low-resolution term's loads are the same 32 channels for 2^s neighbouring pixels
// (cache hits). No shared memory: each output is read from its terms exactly once.
struct ExchangeForwardBlock {
  static constexpr int kThreads = 256;
  static HR_HD emu::Dim3 block() { return emu::Dim3{kThreads, 1, 1}; }
  static HR_HD int64_t elements(const ExchangeDesc<float>& d) { return int64_t(d.N) * d.H * d.W * d.C; }
  static HR_HD emu::Dim3 grid(const ExchangeDesc<float>& d) {
    return emu::Dim3{int((elements(d) + kThreads - 1) / kThreads), 1, 1};
  }

  struct Params {
    ExchangeDesc<float> d;
    float* y;
  };

  template <typename Ctx>
  static HR_EMU_DEV void run(Ctx& ctx, const Params& p) {
    const int64_t base = int64_t(ctx.block_idx().x) * kThreads;
    ctx.for_each_thread([&](emu::Thread t) {
      const ExchangeDesc<float>& d = p.d;
      const int64_t i = base + t.id;
      if (i >= elements(d)) return;
      const int c = int(index_mod(i, d.C));
      const int64_t pix = index_div(i, d.C);
      const int64_t row = index_div(pix, d.W);  // n * H + h
      const int w = int(pix - row * d.W);
      const int64_t n = index_div(row, d.H);
      const int h = int(row - n * d.H);
      float acc = 0.f;
      for (int k = 0; k < d.count; ++k) {
        const ExchangeTerm<float>& tm = d.term[k];
        const int s = tm.log2_factor;
        const int Hl = exchange_low_extent(d.H, s), Wl = exchange_low_extent(d.W, s);
        const float v = exchange_affine(tm, c, tm.x[((n * Hl + (h >> s)) * Wl + (w >> s)) * d.C + c]);
        acc = k == 0 ? v : acc + v;  // starts from v_0, not 0 + v_0 (a -0 stays -0, as in add)
      }
      emu::GlobalPtr<float>(p.y)[i] = relu_value(acc);  // race-checked between blocks in the emulator
    });
    ctx.end_block();
  }
};

// Backward: a block owns a kTile x kTile square of output pixels (kTile = max(2^s_max, 4)) and
// kLanes channels. First every thread computes masked gradients g = relu_grad(y, dy) for its
// share of the square into shared memory (coalesced over channels); after the barrier each
// term's low-resolution pixels inside the square (whole 2^s blocks, since 2^s divides kTile)
// are summed from shared memory, one thread per (pixel, channel), in row-major block order.
// Every output gradient element is read once from global memory for all terms together.
struct ExchangeBackwardBlock {
  static constexpr int kLanes = 32;  // channels per block: threadIdx.x
  static constexpr int kRows = 8;    // threadIdx.y strides over the pixels of the square
  static constexpr int kMinTile = 4;
  static HR_HD emu::Dim3 block() { return emu::Dim3{kLanes, kRows, 1}; }
  static HR_HD int max_log2(const ExchangeDesc<float>& d) {
    int s = 0;
    for (int k = 0; k < d.count; ++k) s = d.term[k].log2_factor > s ? d.term[k].log2_factor : s;
    return s;
  }
  static HR_HD int tile(const ExchangeDesc<float>& d) {
    const int t = 1 << max_log2(d);
    return t > kMinTile ? t : kMinTile;
  }
  static HR_HD int shared_bytes(const ExchangeDesc<float>& d) {
    return emu::shared_align(int(sizeof(float)) * tile(d) * tile(d) * kLanes);
  }
  static HR_HD int tiles_w(const ExchangeDesc<float>& d) { return (d.W + tile(d) - 1) / tile(d); }
  // x: squares (row-major), y: images, z: channel slices.
  static HR_HD emu::Dim3 grid(const ExchangeDesc<float>& d) {
    return emu::Dim3{tiles_w(d) * ((d.H + tile(d) - 1) / tile(d)), d.N, (d.C + kLanes - 1) / kLanes};
  }

  struct Params {
    ExchangeDesc<float> d;
    const float* y;
    const float* dy;
  };

  template <typename Ctx>
  static HR_EMU_DEV void run(Ctx& ctx, const Params& p) {
    const ExchangeDesc<float>& d = p.d;
    const int T = tile(d);
    const int h0 = (ctx.block_idx().x / tiles_w(d)) * T, w0 = (ctx.block_idx().x % tiles_w(d)) * T;
    const int64_t n = ctx.block_idx().y;
    const int c0 = ctx.block_idx().z * kLanes;
    emu::SharedArray<float> gs = ctx.template shared<float>(T * T * kLanes);  // [pixel of square][lane]

    ctx.for_each_thread([&](emu::Thread t) {
      const int c = c0 + t.x;
      for (int q = t.y; q < T * T; q += kRows) {
        const int h = h0 + q / T, w = w0 + q % T;
        float g = 0.f;  // outside the map: never read, stored so that no slot stays undefined
        if (h < d.H && w < d.W && c < d.C) {
          const int64_t i = ((n * d.H + h) * d.W + w) * d.C + c;
          g = relu_grad(p.y[i], p.dy[i]);
        }
        gs[q * kLanes + t.x] = g;
      }
    });
    ctx.barrier();  // a term's block gathers pixels that other threads (other t.y) loaded
    ctx.for_each_thread([&](emu::Thread t) {
      const int c = c0 + t.x;
      if (c >= d.C) return;
      for (int k = 0; k < d.count; ++k) {
        const ExchangeTerm<float>& tm = d.term[k];
        if (!tm.dx) continue;
        const int s = tm.log2_factor, b = 1 << s, side = T >> s;
        const int Hl = exchange_low_extent(d.H, s), Wl = exchange_low_extent(d.W, s);
        for (int q = t.y; q < side * side; q += kRows) {
          const int hl = (h0 >> s) + q / side, wl = (w0 >> s) + q % side;
          if (hl >= Hl || wl >= Wl) continue;
          // Through GlobalPtr: the emulator checks that no other block touches this element.
          const emu::GlobalPtr<float> dst(tm.dx + ((n * Hl + hl) * Wl + wl) * d.C + c);
          float acc = dst[0];
          for (int i = 0; i < b; ++i) {
            const int h = (hl << s) + i;
            if (h >= d.H) break;
            for (int j = 0; j < b; ++j) {
              const int w = (wl << s) + j;
              if (w >= d.W) break;
              acc = exchange_grad_step(tm, c, acc, float(gs[((h - h0) * T + (w - w0)) * kLanes + t.x]));
            }
          }
          dst[0] = acc;
        }
      }
    });
    ctx.end_block();
  }
};

}  // namespace hr::kern
