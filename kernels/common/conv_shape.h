// Convolution geometry shared by every backend. NHWC activations, weights [Cout][kh][kw][Cin].
#pragma once
#include <cstdint>

#include "kernels/common/hd.h"

namespace hr::kern {

// Output extent of a convolution with padding k/2: floor((in + 2p - k) / s) + 1.
// For k = 3, p = 1, s = 2 this is ceil(in / 2), the rule HRNet relies on.
HR_HD int conv_out_size(int in, int k, int stride) {
  const int pad = k / 2;
  return (in + 2 * pad - k) / stride + 1;
}

struct ConvDesc {
  int N = 0, H = 0, W = 0, Cin = 0;  // input  [N][H][W][Cin]
  int Cout = 0, K = 1, stride = 1;   // weight [Cout][K][K][Cin]
  int Ho = 0, Wo = 0;                // output [N][Ho][Wo][Cout]

  HR_HD int pad() const { return K / 2; }
  HR_HD int64_t rows() const { return int64_t(N) * Ho * Wo; }        // GEMM M
  HR_HD int64_t patch() const { return int64_t(K) * K * Cin; }       // GEMM K
  HR_HD int64_t in_elems() const { return int64_t(N) * H * W * Cin; }
  HR_HD int64_t out_elems() const { return rows() * Cout; }
  HR_HD int64_t weight_elems() const { return int64_t(Cout) * patch(); }
  // Multiply-adds of the forward pass (what the official README calls FLOPs).
  HR_HD int64_t macs() const { return rows() * Cout * patch(); }
};

HR_HD ConvDesc make_conv_desc(int N, int H, int W, int Cin, int Cout, int K, int stride) {
  ConvDesc d;
  d.N = N; d.H = H; d.W = W; d.Cin = Cin; d.Cout = Cout; d.K = K; d.stride = stride;
  d.Ho = conv_out_size(H, K, stride);
  d.Wo = conv_out_size(W, K, stride);
  return d;
}

// Input pixel read by output pixel (oh, ow) through kernel tap (kh, kw); may be out of range.
HR_HD int conv_in_coord(int o, int k, int stride, int pad) { return o * stride - pad + k; }

}  // namespace hr::kern
