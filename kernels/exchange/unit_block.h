// The block body of the fused inference exchange unit (unit.h), written once for the grid
// emulator: nvcc runs it with emu::CudaBlock (unit_cuda.cu), the CPU emulator with
// emu::CpuBlock (emu.cpp).
//
// A block owns an aligned 8 x 8 square of output pixels of one image and 64 channels
// (16 x 16 threads, each 4 pixels x 4 channels: pixels t.y + 16 i, channels t.x + 16 j, as in
// igemm_f32.h) and keeps their running sum in registers across the terms:
//   identity: each thread reads its values (no shared memory);
//   conv at full resolution (the down paths' last conv): an implicit GEMM over the square's
//     64 pixels, K slices of 16 staged in shared memory, a term accumulator per output, then
//     the affine and the add;
//   conv at low resolution (up paths, s >= 1): the square covers at most 4 x 4 low pixels
//     (exactly one for s >= 3), so the GEMM has 16 rows: each thread computes 4 of its
//     16 x 64 outputs, the affine values go to shared memory, and after a barrier every thread
//     adds the low pixel under each of its outputs. Each low pixel is computed once per
//     square: the 1x1 conv runs at low resolution as the issue asks, with no upsampled map.
// Every term ends with a barrier inside its branch, so on the CPU a phase never outlives the
// branch's locals or the loop iteration it captures by reference, and the next term's staging
// never overwrites tiles still being read.
#pragma once
#include <cmath>
#include <cstdint>

#include "kernels/conv_native/problems.h"
#include "kernels/elementwise/elementwise.h"
#include "kernels/emu/thread.h"
#include "kernels/exchange/unit.h"

namespace hr::kern {

struct ExchangeUnitBlock {
  static constexpr int kSide = 8;                      // output square: kSide x kSide pixels
  static constexpr int kTM = kSide * kSide, kTN = 64;  // pixels x channels per block
  static constexpr int kTK = 16;
  static constexpr int kTX = 16, kTY = 16;
  static constexpr int kRM = kTM / kTY, kRN = kTN / kTX;
  static constexpr int kThreads = kTX * kTY;
  static constexpr int kLd = kTM + 1;           // padded staging rows, as igemm_f32.h
  static constexpr int kLowSide = kSide / 2;    // low pixels per side of the square for s >= 1
  static constexpr int kLowRows = kLowSide * kLowSide;
  static constexpr int kLowPerThread = kLowRows * kTN / kThreads;
  static_assert(kLowRows * kTN % kThreads == 0 && kThreads % kTN == 0, "low outputs split evenly");
  static_assert(kLowRows * kTK == kThreads, "one staged low-resolution A value per thread");

  static HR_HD int shared_bytes() {
    return 2 * emu::shared_align(int(sizeof(float)) * kTK * kLd) + emu::shared_align(int(sizeof(float)) * kLowRows * kTN);
  }
  static HR_HD emu::Dim3 block() { return emu::Dim3{kTX, kTY, 1}; }
  static HR_HD int squares_w(const ExchangeUnitDesc& d) { return (d.W + kSide - 1) / kSide; }
  static HR_HD int squares_h(const ExchangeUnitDesc& d) { return (d.H + kSide - 1) / kSide; }
  // x: (image, square row, square column), y: channel slices.
  static HR_HD int64_t grid_x(const ExchangeUnitDesc& d) { return int64_t(d.N) * squares_h(d) * squares_w(d); }
  static HR_HD emu::Dim3 grid(const ExchangeUnitDesc& d) { return emu::Dim3{int(grid_x(d)), (d.C + kTN - 1) / kTN, 1}; }

  struct Params {
    ExchangeUnitDesc d;
    float* y;
  };

  // The GEMM's A value: the conv input under tap k of output pixel (oh, ow) of the conv.
  static HR_HD float conv_a(const UnitTerm& tm, int n, int oh, int ow, int k) {
    const native::TapChannel tc = native::split_k(k, tm.conv.Cin);
    return native::conv_input_at(tm.conv, tm.x, n, oh, ow, tc.tap / tm.conv.K, tc.tap % tm.conv.K, tc.c);
  }
  // f(i, j, h, w, c) for each output thread t owns in the square at (h0, w0), channels from
  // c0: register (i, j) holds pixel t.y + 16 i, channel t.x + 16 j; outside the map skipped.
  template <typename F>
  static HR_HD void for_each_owned(const ExchangeUnitDesc& d, emu::Thread t, int h0, int w0, int c0, F&& f) {
    HR_UNROLL
    for (int i = 0; i < kRM; ++i) {
      const int q = t.y + kTY * i, h = h0 + q / kSide, w = w0 + q % kSide;
      if (h >= d.H || w >= d.W) continue;
      HR_UNROLL
      for (int j = 0; j < kRN; ++j) {
        const int c = c0 + t.x + kTX * j;
        if (c < d.C) f(i, j, h, w, c);
      }
    }
  }
  static HR_HD float affine(const UnitTerm& tm, int c, float v) {
    return tm.scale ? fmaf(v, tm.scale[c], tm.shift[c]) : tm.shift ? v + tm.shift[c] : v;
  }

  template <typename Ctx>
  static HR_EMU_DEV void run(Ctx& ctx, const Params& p) {
    const ExchangeUnitDesc& d = p.d;
    const int sw = squares_w(d), sq = squares_h(d) * sw;
    const int bx = ctx.block_idx().x;
    const int n = bx / sq, rest = bx - n * sq;
    const int h0 = (rest / sw) * kSide, w0 = (rest % sw) * kSide;
    const int c0 = ctx.block_idx().y * kTN;
    emu::SharedArray<float> as = ctx.template shared<float>(kTK * kLd);        // [k][row]
    emu::SharedArray<float> bs = ctx.template shared<float>(kTK * kLd);        // [k][channel]
    emu::SharedArray<float> low = ctx.template shared<float>(kLowRows * kTN);  // [low pixel][channel]
    auto sum = ctx.template regs<float, kRM * kRN>();
    auto acc = ctx.template regs<float, kRM * kRN>();

    for (int ti = 0; ti < d.count; ++ti) {
      const UnitTerm& tm = d.term[ti];
      const int s = tm.log2_up;
      const bool first = ti == 0;
      // Add v(i, j) to the running sum of output (i, j) of thread t, for its valid outputs.
      auto add_term = [&](emu::Thread t, auto&& value) {
        float* r = sum[t];
        for_each_owned(d, t, h0, w0, c0, [&](int i, int j, int h, int w, int c) {
          const float v = value(i, j, h, w, c);
          r[i * kRN + j] = first ? v : r[i * kRN + j] + v;
        });
      };

      if (!tm.w) {  // identity, possibly broadcast
        const int Hl = exchange_low_extent(d.H, s), Wl = exchange_low_extent(d.W, s);
        ctx.for_each_thread([&](emu::Thread t) {
          add_term(t, [&](int, int, int h, int w, int c) {
            return tm.x[((int64_t(n) * Hl + (h >> s)) * Wl + (w >> s)) * d.C + c];
          });
        });
        ctx.barrier();  // end of term, inside the branch: the phase reads Hl and Wl
      } else if (s == 0) {  // a conv at the output's resolution: GEMM rows are the square's pixels
        const int Kt = int(tm.conv.patch());
        ctx.for_each_thread([&](emu::Thread t) {
          HR_UNROLL
          for (int i = 0; i < kRM * kRN; ++i) acc[t][i] = 0.f;
        });
        for (int k0 = 0; k0 < Kt; k0 += kTK) {
          ctx.for_each_thread([&](emu::Thread t) {
            for (int e = t.id; e < kTM * kTK; e += kThreads) {
              const int q = e / kTK, kk = e % kTK, k = k0 + kk;  // neighbouring threads walk k (channels)
              const int h = h0 + q / kSide, w = w0 + q % kSide;
              as[kk * kLd + q] = (h < d.H && w < d.W && k < Kt) ? conv_a(tm, n, h, w, k) : 0.f;
              const int c = c0 + e / kTK;
              bs[kk * kLd + e / kTK] = (c < d.C && k < Kt) ? tm.w[int64_t(c) * Kt + k] : 0.f;
            }
          });
          ctx.barrier();  // the slices are complete before anyone multiplies
          ctx.for_each_thread([&](emu::Thread t) {
            float* a = acc[t];
            const int kn = Kt - k0 < kTK ? Kt - k0 : kTK;
            for (int kk = 0; kk < kn; ++kk) {
              float av[kRM], bv[kRN];
              HR_UNROLL
              for (int i = 0; i < kRM; ++i) av[i] = as[kk * kLd + t.y + kTY * i];
              HR_UNROLL
              for (int j = 0; j < kRN; ++j) bv[j] = bs[kk * kLd + t.x + kTX * j];
              HR_UNROLL
              for (int i = 0; i < kRM; ++i)
                HR_UNROLL
                for (int j = 0; j < kRN; ++j) a[i * kRN + j] = fmaf(av[i], bv[j], a[i * kRN + j]);
            }
          });
          ctx.barrier();  // everyone is done reading before the next slice overwrites them
        }
        ctx.for_each_thread([&](emu::Thread t) {
          const float* a = acc[t];
          add_term(t, [&](int i, int j, int, int, int c) { return affine(tm, c, a[i * kRN + j]); });
        });
        ctx.barrier();  // end of term: its tiles are free again
      } else {  // a conv at low resolution: 4 x 4 low pixels (fewer at s >= 2), broadcast
        const int Kt = int(tm.conv.patch());
        const int lh0 = h0 >> s, lw0 = w0 >> s;
        const int lh_end = ((h0 + kSide < d.H ? h0 + kSide : d.H) - 1) >> s;  // last low row under the square
        const int lw_end = ((w0 + kSide < d.W ? w0 + kSide : d.W) - 1) >> s;
        ctx.for_each_thread([&](emu::Thread t) {
          HR_UNROLL
          for (int i = 0; i < kLowPerThread; ++i) acc[t][i] = 0.f;
        });
        for (int k0 = 0; k0 < Kt; k0 += kTK) {
          ctx.for_each_thread([&](emu::Thread t) {
            {
              const int q = t.id / kTK, kk = t.id % kTK, k = k0 + kk;
              const int lh = lh0 + q / kLowSide, lw = lw0 + q % kLowSide;
              as[kk * kLd + q] = (lh <= lh_end && lw <= lw_end && k < Kt) ? conv_a(tm, n, lh, lw, k) : 0.f;
            }
            for (int e = t.id; e < kTN * kTK; e += kThreads) {
              const int kk = e % kTK, k = k0 + kk, c = c0 + e / kTK;
              bs[kk * kLd + e / kTK] = (c < d.C && k < Kt) ? tm.w[int64_t(c) * Kt + k] : 0.f;
            }
          });
          ctx.barrier();
          ctx.for_each_thread([&](emu::Thread t) {
            float* a = acc[t];
            const int kn = Kt - k0 < kTK ? Kt - k0 : kTK;
            const int col = t.id % kTN, row0 = t.id / kTN;  // outputs (row0 + 4 i, col)
            for (int kk = 0; kk < kn; ++kk) {
              const float bv = bs[kk * kLd + col];
              HR_UNROLL
              for (int i = 0; i < kLowPerThread; ++i) {
                const float av = as[kk * kLd + row0 + (kThreads / kTN) * i];
                a[i] = fmaf(av, bv, a[i]);
              }
            }
          });
          ctx.barrier();
        }
        ctx.for_each_thread([&](emu::Thread t) {  // the affine values of the square's low pixels
          const float* a = acc[t];
          const int col = t.id % kTN, row0 = t.id / kTN, c = c0 + col;
          HR_UNROLL
          for (int i = 0; i < kLowPerThread; ++i)
            low[(row0 + (kThreads / kTN) * i) * kTN + col] = c < d.C ? affine(tm, c, a[i]) : 0.f;
        });
        ctx.barrier();  // each output reads a low pixel another thread computed
        ctx.for_each_thread([&](emu::Thread t) {
          add_term(t, [&](int, int j, int h, int w, int) {
            const int q = ((h >> s) - lh0) * kLowSide + ((w >> s) - lw0);
            float v = low[q * kTN + t.x + kTX * j];
            return v;
          });
        });
        ctx.barrier();  // end of term, inside the branch: the phase reads lh0 and lw0
      }
    }
    ctx.for_each_thread([&](emu::Thread t) {
      const float* r = sum[t];
      const emu::GlobalPtr<float> y(p.y);
      for_each_owned(d, t, h0, w0, c0, [&](int i, int j, int h, int w, int c) {
        const float v = r[i * kRN + j];
        y[((int64_t(n) * d.H + h) * d.W + w) * d.C + c] = d.relu ? relu_value(v) : v;
      });
    });
    ctx.end_block();
  }
};

}  // namespace hr::kern
