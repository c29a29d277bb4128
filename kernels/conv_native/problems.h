// The three GEMMs of a convolution, seen as implicit GEMMs over NHWC tensors: C[m][n] =
// sum_k A(m, k) * B(k, n), where A and B are gathered from the tensors on the fly (no im2col
// buffer) and C goes to the output through the problem's store rule. One block body per
// arithmetic path (igemm_f32.h, igemm_bf16.h) serves all three. Everything here is
// __host__ __device__ index math, shared by the CPU emulator and the GPU.
//
//   forward   y[m = (n, ho, wo)][co]        = sum over k = (kh, kw, ci) of x(...) * w[co][k]
//   data grad dx[m = (n, hi, wi)][ci]      += sum over k = (kh, kw, co) of dy(...) * w[co][kh][kw][ci]
//   weight    dw[co][k' = (kh, kw, ci)]   += sum over k = rows (n, ho, wo) of dy[row][co] * x(...)
//
// The k order of each GEMM is the order of its fmaf chain in the f32 path, so the serial
// references in the tests loop over k the same way.
#pragma once
#include <cmath>
#include <cstdint>

#include "kernels/common/conv_shape.h"
#include "kernels/common/hd.h"
#include "kernels/emu/thread.h"

namespace hr::kern::native {

// What the forward does with each output value v of channel n as it stores it (inference
// fusions of the exchange unit and conv + BN): an affine map per channel (BN folded:
// fmaf(v, scale, shift); shift alone is a bias), then, with up > 0, a nearest-neighbour
// broadcast into the 2^up x 2^up block of a larger output [N][out_H][out_W][Cout] (the
// up-path of the exchange unit, computed at low resolution), accumulation into y instead of
// overwriting, and a ReLU on what is stored.
struct ConvEpilogue {
  const float* scale = nullptr;
  const float* shift = nullptr;
  bool accumulate = false;
  bool relu = false;
  int up = 0;
  int out_H = 0, out_W = 0;  // the larger output's extent when up > 0
};

// Split a row index of an [N][H][W] map into its coordinates.
struct Pixel {
  int n, h, w;
};
// In 32-bit unsigned arithmetic: a 64-bit division is a long software routine on a GPU, and
// every row index of a supported problem is below 2^31 (conv_native_unsupported checks it).
HR_HD Pixel pixel_of(int64_t m, int H, int W) {
  const uint32_t mm = uint32_t(m), w = uint32_t(W), h = uint32_t(H);
  const uint32_t r = mm / w;
  Pixel p;
  p.w = int(mm - r * w);
  p.n = int(r / h);
  p.h = int(r - uint32_t(p.n) * h);
  return p;
}

// k = tap * C + c for a GEMM k index below 2^31: the tap and the channel, 32-bit.
struct TapChannel {
  int tap, c;
};
HR_HD TapChannel split_k(int64_t k, int C) {
  const uint32_t kk = uint32_t(k), cc = uint32_t(C);
  const uint32_t tap = kk / cc;
  return {int(tap), int(kk - tap * cc)};
}

// What the convolution does to each input value as it gathers it (training fusion of the
// previous layer's BN + ReLU into this conv, so the activation is never stored): with scale,
// v -> fmaf(v, scale[ci], shift[ci]), then with relu, max(v, 0). Only real input pixels are
// transformed; the padding stays 0, as it is the padding of the transformed tensor. BN enters
// folded (scale = gamma * invstd, shift = beta - mean * scale), which rounds differently from
// bn_apply's (x - mean) * invstd * gamma + beta.
struct ConvPrologue {
  const float* scale = nullptr;
  const float* shift = nullptr;
  bool relu = false;

  HR_HD float apply(float v, int ci) const {
    if (scale) v = fmaf(v, scale[ci], shift[ci]);
    return relu ? (v > 0.f ? v : 0.f) : v;
  }
};

// The input value a forward tap reads (through the prologue), 0 in the padding.
HR_HD float conv_input_at(const ConvDesc& d, const float* x, int n, int ho, int wo, int kh, int kw, int ci,
                          const ConvPrologue& pro = {}) {
  const int hi = conv_in_coord(ho, kh, d.stride, d.pad()), wi = conv_in_coord(wo, kw, d.stride, d.pad());
  if (hi < 0 || hi >= d.H || wi < 0 || wi >= d.W) return 0.f;
  return pro.apply(x[((int64_t(n) * d.H + hi) * d.W + wi) * d.Cin + ci], ci);
}

struct ConvForward {
  ConvDesc d;
  const float* x;
  const float* w;
  emu::GlobalPtr<float> y;  // outputs are GlobalPtr: the emulator checks which block writes what
  ConvEpilogue ep = {};
  ConvPrologue pro = {};

  HR_HD int64_t M() const { return d.rows(); }
  HR_HD int N() const { return d.Cout; }
  HR_HD int64_t K() const { return d.patch(); }
  HR_HD float a(int64_t m, int64_t k) const {
    const Pixel p = pixel_of(m, d.Ho, d.Wo);
    const TapChannel tc = split_k(k, d.Cin);
    return conv_input_at(d, x, p.n, p.h, p.w, tc.tap / d.K, tc.tap % d.K, tc.c, pro);
  }
  HR_HD float b(int64_t k, int n) const { return w[int64_t(n) * d.patch() + k]; }
  HR_HD void store(int64_t m, int n, float v, int /*split*/) const {
    if (ep.scale)
      v = fmaf(v, ep.scale[n], ep.shift ? ep.shift[n] : 0.f);
    else if (ep.shift)
      v = v + ep.shift[n];
    if (ep.up == 0) {
      put(m * d.Cout + n, v);
      return;
    }
    // Nearest-neighbour broadcast: output pixel (h, w) of the larger map takes the value of
    // (h >> up, w >> up), so this pixel's value goes to its whole 2^up x 2^up block.
    const Pixel p = pixel_of(m, d.Ho, d.Wo);
    const int f = 1 << ep.up;
    for (int dh = 0; dh < f; ++dh) {
      const int h = p.h * f + dh;
      if (h >= ep.out_H) break;
      for (int dw = 0; dw < f; ++dw) {
        const int w2 = p.w * f + dw;
        if (w2 >= ep.out_W) break;
        put(((int64_t(p.n) * ep.out_H + h) * ep.out_W + w2) * d.Cout + n, v);
      }
    }
  }
  HR_HD void put(int64_t i, float v) const {
    const float r = ep.accumulate ? y[i] + v : v;
    y[i] = ep.relu ? (r > 0.f ? r : 0.f) : r;
  }
};

struct ConvBackwardData {
  ConvDesc d;
  const float* dy;
  const float* w;
  emu::GlobalPtr<float> dx;

  HR_HD int64_t M() const { return d.in_elems() / d.Cin; }
  HR_HD int N() const { return d.Cin; }
  HR_HD int64_t K() const { return int64_t(d.K) * d.K * d.Cout; }
  // Input pixel (hi, wi) received tap (kh, kw) from output pixel (ho, wo) iff
  // ho * s - pad + kh == hi: the tap contributes only where that division is exact.
  HR_HD float a(int64_t m, int64_t k) const {
    const Pixel p = pixel_of(m, d.H, d.W);
    const TapChannel tc = split_k(k, d.Cout);
    const int co = tc.c, tap = tc.tap;
    const int th = p.h + d.pad() - tap / d.K, tw = p.w + d.pad() - tap % d.K;
    if (th < 0 || tw < 0 || th % d.stride != 0 || tw % d.stride != 0) return 0.f;
    const int ho = th / d.stride, wo = tw / d.stride;
    if (ho >= d.Ho || wo >= d.Wo) return 0.f;
    return dy[((int64_t(p.n) * d.Ho + ho) * d.Wo + wo) * d.Cout + co];
  }
  HR_HD float b(int64_t k, int n) const {
    const TapChannel tc = split_k(k, d.Cout);
    const int co = tc.c, tap = tc.tap;
    return w[(int64_t(co) * d.K * d.K + tap) * d.Cin + n];
  }
  HR_HD void store(int64_t m, int n, float v, int /*split*/) const { dx[m * d.Cin + n] += v; }
};

// The weight gradient, written as partial sums: split s covers rows [s * rows_per_split, ...)
// and stores its [Cout][patch] result in partial + s * Cout * patch (a second pass adds the
// splits in order into dw, see reduce.h).
struct ConvBackwardWeight {
  ConvDesc d;
  const float* x;
  const float* dy;
  emu::GlobalPtr<float> partial;
  ConvPrologue pro = {};  // the forward's: the weight gradient reads the same transformed input

  HR_HD int64_t M() const { return d.Cout; }
  HR_HD int N() const { return int(d.patch()); }
  HR_HD int64_t K() const { return d.rows(); }
  HR_HD float a(int64_t m, int64_t k) const { return dy[k * d.Cout + m]; }
  HR_HD float b(int64_t k, int n) const {
    const Pixel p = pixel_of(k, d.Ho, d.Wo);
    const int ci = n % d.Cin, tap = n / d.Cin;
    return conv_input_at(d, x, p.n, p.h, p.w, tap / d.K, tap % d.K, ci, pro);
  }
  HR_HD void store(int64_t m, int n, float v, int split) const {
    partial[(int64_t(split) * d.Cout + m) * d.patch() + n] = v;
  }
};

// The k range of split s of `splits` over K: equal slices rounded up to whole K tiles of
// `tile` so that no tile straddles two splits.
HR_HD int64_t split_k_begin(int64_t K, int splits, int s, int tile) {
  const int64_t tiles = (K + tile - 1) / tile;
  const int64_t per = (tiles + splits - 1) / splits;
  const int64_t b = int64_t(s) * per * tile;
  return b < K ? b : K;
}

// What one block of an implicit GEMM with TM x TN tiles, cut into k tiles of KT for split-K,
// works on: blockIdx.x walks M, blockIdx.y walks N, blockIdx.z is the split of K.
struct BlockTile {
  int64_t M, K;
  int N;
  int64_t m0;
  int n0, split;
  int64_t k_begin, k_end;
};
template <int TM, int TN, int KT, typename Problem>
HR_HD BlockTile block_tile(const Problem& pr, int splits, int bx, int by, int bz) {
  BlockTile b;
  b.M = pr.M();
  b.K = pr.K();
  b.N = pr.N();
  b.m0 = int64_t(bx) * TM;
  b.n0 = by * TN;
  b.split = bz;
  b.k_begin = split_k_begin(b.K, splits, bz, KT);
  b.k_end = split_k_begin(b.K, splits, bz + 1, KT);
  return b;
}
// The grid of such blocks.
template <int TM, int TN>
HR_HD emu::Dim3 tile_grid(int64_t M, int N, int splits) {
  return emu::Dim3{int((M + TM - 1) / TM), (N + TN - 1) / TN, splits};
}

}  // namespace hr::kern::native
