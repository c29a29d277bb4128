// The fused exchange unit for inference (issue 8): ALL inputs of one output branch of
// HRNet's exchange unit in ONE kernel, with BN folded. For output branch i,
//
//   y = relu( v_0 + v_1 + ... + v_{T-1} ),  summed left to right from v_0, where each term is
//   identity   v_t = x_t[n, h >> s_t, w >> s_t, c]          (the branch itself, s_t = 0)
//   conv       v_t = affine_t( conv_t(x_t)[n, h >> s_t, w >> s_t, c] )
//              affine_t(v) = fmaf(v, scale_t[c], shift_t[c])  (BN as scale and shift), or
//                            v + shift_t[c]  (BN folded into the weights: shift is the bias), or v
//
// The down paths enter as their LAST conv (3x3, stride 2, s_t = 0); the convs before it (with
// their BN + ReLU) produce that conv's input and stay separate kernels, as their outputs have
// other channel counts. The up paths enter as their 1x1 conv computed at LOW resolution
// (s_t = j - i) and broadcast inside the kernel: the upsampled map, the BN output and the
// partial sums are never written. Each conv value is one f32 fmaf chain over k = (kh, kw, ci)
// in order from 0.f, as in the native f32 convolution (kernels/conv_native), so the kernel,
// the emulator and exchange_unit_forward_cpu agree bit for bit.
//
// Term t's conv output must be [N][ceil(H / 2^s_t)][ceil(W / 2^s_t)][C] (the exchange-sum
// rule, kernels/exchange/exchange.h: cropped where 2^s_t does not divide H or W).
#pragma once
#include <cstdint>
#include <string>

#include "kernels/common/conv_shape.h"
#include "kernels/common/stream.h"
#include "kernels/emu/options.h"
#include "kernels/exchange/exchange.h"

namespace hr::kern {

struct UnitTerm {
  const float* x = nullptr;      // identity: [N][ceil(H>>s)][ceil(W>>s)][C]; conv: its input [N][conv.H][conv.W][conv.Cin]
  const float* w = nullptr;      // conv weights [C][K][K][Cin]; null: the term is the identity
  const float* scale = nullptr;  // BN of the conv's output as a per-channel scale, [C]; null: none
  const float* shift = nullptr;  // [C]: BN's shift (needed with scale), or alone a bias
  ConvDesc conv{};               // the conv's geometry (conv.Cout == C); unused for the identity
  int log2_up = 0;               // s: the term is broadcast by 2^s (the up paths)
};

struct ExchangeUnitDesc {
  int N = 0, H = 0, W = 0, C = 0;  // the output [N][H][W][C]
  int count = 0;
  UnitTerm term[kExchangeMaxTerms];
  bool relu = true;
};

// Empty when the unit is usable: extents, term count, factors 0..kExchangeMaxLog2, every conv
// a shape the native convolutions take (conv_native_unsupported) with N and C the output's and
// an output of the term's low extent, a scale only with a shift, no affine on an identity.
// Else why not, naming the term.
std::string exchange_unit_unsupported(const ExchangeUnitDesc& d);
// A short description for messages: output shape and the terms.
std::string describe_exchange_unit(const ExchangeUnitDesc& d);

// The definition, on the CPU: each conv term computed at its own resolution in the kernel's
// arithmetic (fmaf chain in k order, then the affine), then the sum. The ground truth the
// emulator and the GPU must match bit for bit. y must not alias a term.
void exchange_unit_forward_cpu(const ExchangeUnitDesc& d, float* y);

// The block body (unit_block.h) through the CPU grid emulator (host pointers, slow).
void exchange_unit_forward_emu(const ExchangeUnitDesc& d, float* y, const emu::EmuOptions& opt = {});

// The same block body on the GPU (device pointers; built when CUDA is on).
void exchange_unit_forward_cuda(const ExchangeUnitDesc& d, float* y, Stream stream);

}  // namespace hr::kern
