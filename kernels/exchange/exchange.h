// The fused sum of HRNet's exchange unit (docs/kernels.md, "The fused exchange-unit sum"):
// one output branch is the ReLU of a sum of terms, some at the output's resolution (the
// branch itself, the stride-2 down chains) and some at a lower one (the 1x1 conv + BN of a
// lower branch), broadcast by nearest upsampling without materialising the upsampled tensor.
//
//   y[n,h,w,c] = relu( v_0 + v_1 + ... + v_{T-1} ),  summed left to right from v_0, where
//   v_t        = affine_t( x_t[n, h >> s_t, w >> s_t, c] ),
//   affine_t(v) = fma(v, scale_t[c], shift_t[c])  (one rounding), or v when scale_t is null.
//
// Term t is [N][ceil(H / 2^s_t)][ceil(W / 2^s_t)][C]: with H a multiple of 2^s_t this is
// exactly upsample_nearest(x_t, 2^s_t) (its source pixel is o / f == o >> s), otherwise the
// upsampled map cropped to H x W (the extents stride-2 convolutions produce). With null
// affines the sum is bit for bit ops::add(...ops::add(x_0, x_1)...) then add_relu.
// The explicit fma is there because nvcc contracts v * scale + shift into one by default;
// writing it makes the CPU, the emulator and the GPU round the same way.
//
// Backward (ACCUMULATES, like every backward kernel, kernels/conv/conv.h): with the mask
// g = dy where y > 0 else 0 (the rule of add_relu's backward, relu_grad), each term's dx_t
// element takes its 2^s_t x 2^s_t block of g in row-major order:
//   acc = dx_t[...]; for each (i, j) row-major: acc = acc + g   (null affine)
//                                                acc = fma(g, scale_t[c], acc)  (affine)
// which is upsample_nearest's backward bit for bit when there is no affine. The gradients of
// scale and shift are NOT computed (they need per-channel reductions over N*H*W; the engine
// op passes no affine yet).
#pragma once
#include <cmath>
#include <cstdint>

#include "kernels/common/hd.h"
#include "kernels/common/stream.h"
#include "kernels/emu/options.h"

namespace hr::kern {

// Fixed bounds so the descriptor is a plain struct passed by value to a CUDA kernel. HRNet
// sums at most 4 terms with factors up to 8; the backward's shared tile is (2^s)^2 pixels.
constexpr int kExchangeMaxTerms = 8;
constexpr int kExchangeMaxLog2 = 4;  // factors 1, 2, 4, 8, 16

template <typename T>
struct ExchangeTerm {
  const T* x = nullptr;      // forward input, [N][ceil(H >> s)][ceil(W >> s)][C]
  T* dx = nullptr;           // backward: the gradient accumulated into (x's shape); null = not wanted
  const T* scale = nullptr;  // [C], or null for no affine
  const T* shift = nullptr;  // [C]; given exactly when scale is
  int log2_factor = 0;       // s: the term is upsampled by 2^s
};

// The output extents [N][H][W][C] and the terms in summation order.
template <typename T>
struct ExchangeDesc {
  int N = 0, H = 0, W = 0, C = 0;
  int count = 0;
  ExchangeTerm<T> term[kExchangeMaxTerms];
};

// Extent of a term at log2 factor s: ceil(full / 2^s).
HR_HD int exchange_low_extent(int full, int s) { return (full + (1 << s) - 1) >> s; }

HR_HD float exchange_fma(float a, float b, float c) { return fmaf(a, b, c); }
HR_HD double exchange_fma(double a, double b, double c) { return fma(a, b, c); }

// v_t for channel c (forward).
template <typename T>
HR_HD T exchange_affine(const ExchangeTerm<T>& t, int c, T v) {
  return t.scale ? exchange_fma(v, t.scale[c], t.shift[c]) : v;
}

// One step of a term's block sum (backward).
template <typename T>
HR_HD T exchange_grad_step(const ExchangeTerm<T>& t, int c, T acc, T g) {
  return t.scale ? exchange_fma(g, t.scale[c], acc) : acc + g;
}

// Throws hr::Error naming `who` unless d is usable: positive extents, 1..kExchangeMaxTerms
// terms, each with an input (forward) and factors in range, scale and shift both or neither.
template <typename T>
void exchange_check(const ExchangeDesc<T>& d, const char* who, bool forward);

// ---- CPU (the ground truth; float and double) ----------------------------------------------
// y must not alias any term.
template <typename T>
void exchange_forward_cpu(const ExchangeDesc<T>& d, T* y);
// Accumulates into every term's non-null dx; y is the forward output.
template <typename T>
void exchange_backward_cpu(const ExchangeDesc<T>& d, const T* y, const T* dy);

// ---- The block bodies of block.h through the CPU grid emulator (host pointers, slow) -------
void exchange_forward_emu(const ExchangeDesc<float>& d, float* y, const emu::EmuOptions& opt = {});
void exchange_backward_emu(const ExchangeDesc<float>& d, const float* y, const float* dy,
                           const emu::EmuOptions& opt = {});

// ---- The same block bodies on the GPU (device pointers; built when CUDA is on) -------------
void exchange_forward_cuda(const ExchangeDesc<float>& d, float* y, Stream stream);
void exchange_backward_cuda(const ExchangeDesc<float>& d, const float* y, const float* dy, Stream stream);

}  // namespace hr::kern
