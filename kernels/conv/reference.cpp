// The direct convolution that the fast CPU path is checked against: seven plain loops,
// no threads, no tiling, index math straight from the definition.
#include "kernels/conv/conv.h"

namespace hr::kern {

template <typename T>
void conv2d_forward_reference(const ConvDesc& d, const T* x, const T* w, const T* bias, T* y) {
  const int pad = d.pad();
  for (int n = 0; n < d.N; ++n)
    for (int oh = 0; oh < d.Ho; ++oh)
      for (int ow = 0; ow < d.Wo; ++ow)
        for (int co = 0; co < d.Cout; ++co) {
          // Accumulate in double even for float: the reference should be more accurate than
          // what it checks, so a test's error budget is the fast path's alone.
          double acc = bias ? double(bias[co]) : 0.0;
          for (int kh = 0; kh < d.K; ++kh) {
            const int ih = conv_in_coord(oh, kh, d.stride, pad);
            if (ih < 0 || ih >= d.H) continue;
            for (int kw = 0; kw < d.K; ++kw) {
              const int iw = conv_in_coord(ow, kw, d.stride, pad);
              if (iw < 0 || iw >= d.W) continue;
              const T* xp = x + ((int64_t(n) * d.H + ih) * d.W + iw) * d.Cin;
              const T* wp = w + ((int64_t(co) * d.K + kh) * d.K + kw) * d.Cin;
              for (int ci = 0; ci < d.Cin; ++ci) acc += double(xp[ci]) * double(wp[ci]);
            }
          }
          y[((int64_t(n) * d.Ho + oh) * d.Wo + ow) * d.Cout + co] = T(acc);
        }
}

template void conv2d_forward_reference<float>(const ConvDesc&, const float*, const float*,
                                              const float*, float*);
template void conv2d_forward_reference<double>(const ConvDesc&, const double*, const double*,
                                               const double*, double*);

}  // namespace hr::kern
