// The block body of the native 1x1 convolution (stride 1) as a tiled GEMM, written once
// against the grid emulator's execution context: nvcc runs it with emu::CudaBlock
// (cuda.cu), the CPU emulator with emu::CpuBlock (emu.cpp). Nothing here is backend-specific.
//
//   y[m][n] = sum_k x[m][k] * w[n][k] (+ bias[n]),  x [M][Cin] (NHWC rows), w [Cout][Cin]
//
// One block computes a kTM x kTN tile of y with kThreads threads in a 16x16 layout; each
// thread owns a 4x4 grid of outputs (rows t.y + 16 i, columns t.x + 16 j, so neighbouring
// threads store neighbouring channels). The K loop stages kTK-wide slices of x and w in shared
// memory, zero-padded at the edges. Each output is one fmaf chain over k = 0..Cin-1 in order,
// so the result does not depend on the tiling or the thread schedule, and a serial fmaf loop
// reproduces it bit for bit (the tests use that). Not tuned: no vector loads, no double
// buffering, no tensor cores; this is the emulator's first real kernel.
#pragma once
#include <cmath>
#include <cstdint>

#include "kernels/emu/thread.h"

namespace hr::kern {

struct Conv1x1Params {
  int64_t M = 0;
  int Cin = 0, Cout = 0;
  const float* x = nullptr;
  const float* w = nullptr;
  const float* bias = nullptr;  // may be null
  float* y = nullptr;
};

struct Conv1x1Block {
  static constexpr int kTM = 64, kTN = 64, kTK = 16;  // tile of y, K slice
  static constexpr int kTX = 16, kTY = 16;            // threads per block: x over n, y over m
  static constexpr int kRM = kTM / kTY, kRN = kTN / kTX;
  static constexpr int kThreads = kTX * kTY;
  // Shared rows are padded by one float: the [k][m] stores of a warp then hit 32 banks.
  static constexpr int kLd = kTM + 1;
  static_assert(kTM == kTN, "one padded row length serves both tiles");
  static HR_HD int shared_bytes() { return 2 * emu::shared_align(int(sizeof(float)) * kTK * kLd); }
  static HR_HD emu::Dim3 block() { return emu::Dim3{kTX, kTY, 1}; }
  static HR_HD emu::Dim3 grid(int64_t M, int Cout) {
    return emu::Dim3{int((M + kTM - 1) / kTM), (Cout + kTN - 1) / kTN, 1};
  }

  template <typename Ctx>
  static HR_EMU_DEV void run(Ctx& ctx, const Conv1x1Params& p) {
    const int64_t m0 = int64_t(ctx.block_idx().x) * kTM;
    const int n0 = ctx.block_idx().y * kTN;
    emu::SharedArray<float> xs = ctx.template shared<float>(kTK * kLd);  // [k][m]
    emu::SharedArray<float> ws = ctx.template shared<float>(kTK * kLd);  // [k][n]
    auto acc = ctx.template regs<float, kRM * kRN>();

    ctx.for_each_thread([&](emu::Thread t) {
      float* a = acc[t];
      for (int i = 0; i < kRM * kRN; ++i) a[i] = 0.f;
    });
    for (int k0 = 0; k0 < p.Cin; k0 += kTK) {
      // Stage: consecutive threads read consecutive k of one row (contiguous in NHWC).
      ctx.for_each_thread([&](emu::Thread t) {
        for (int e = t.id; e < kTM * kTK; e += kThreads) {
          const int r = e / kTK, kk = e % kTK, k = k0 + kk;
          const int64_t m = m0 + r;
          const int n = n0 + r;
          xs[kk * kLd + r] = (m < p.M && k < p.Cin) ? p.x[m * p.Cin + k] : 0.f;
          ws[kk * kLd + r] = (n < p.Cout && k < p.Cin) ? p.w[int64_t(n) * p.Cin + k] : 0.f;
        }
      });
      ctx.barrier();  // the tiles are complete before anyone multiplies
      ctx.for_each_thread([&](emu::Thread t) {
        float* a = acc[t];
        const int kn = p.Cin - k0 < kTK ? p.Cin - k0 : kTK;  // past Cin the tiles hold zeros
        for (int kk = 0; kk < kn; ++kk) {
          float xv[kRM], wv[kRN];
          for (int i = 0; i < kRM; ++i) xv[i] = xs[kk * kLd + t.y + kTY * i];
          for (int j = 0; j < kRN; ++j) wv[j] = ws[kk * kLd + t.x + kTX * j];
          for (int i = 0; i < kRM; ++i)
            for (int j = 0; j < kRN; ++j) a[i * kRN + j] = fmaf(xv[i], wv[j], a[i * kRN + j]);
        }
      });
      ctx.barrier();  // everyone is done reading before the next slice overwrites the tiles
    }
    ctx.for_each_thread([&](emu::Thread t) {
      const float* a = acc[t];
      for (int i = 0; i < kRM; ++i) {
        const int64_t m = m0 + t.y + kTY * i;
        if (m >= p.M) continue;
        for (int j = 0; j < kRN; ++j) {
          const int n = n0 + t.x + kTX * j;
          if (n < p.Cout) p.y[m * p.Cout + n] = p.bias ? a[i * kRN + j] + p.bias[n] : a[i * kRN + j];
        }
      }
    });
    ctx.end_block();
  }
};

}  // namespace hr::kern
