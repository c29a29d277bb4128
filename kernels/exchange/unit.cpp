// The fused inference exchange unit's host side: which units it takes, and its definition on
// the CPU (the ground truth for the emulator and the GPU, unit.h).
#include <string>
#include <vector>

#include "kernels/common/conv_describe.h"
#include "kernels/common/error.h"
#include "kernels/common/thread_pool.h"
#include "kernels/conv_native/conv_native.h"
#include "kernels/conv_native/problems.h"
#include "kernels/elementwise/elementwise.h"
#include "kernels/exchange/unit.h"
#include "kernels/exchange/unit_block.h"

namespace hr::kern {

std::string exchange_unit_unsupported(const ExchangeUnitDesc& d) {
  if (d.N < 1 || d.H < 1 || d.W < 1 || d.C < 1) return "empty output";
  if (d.count < 1 || d.count > kExchangeMaxTerms)
    return std::to_string(d.count) + " terms; 1 to " + std::to_string(kExchangeMaxTerms) + " are supported";
  if (ExchangeUnitBlock::grid_x(d) > 0x7fffffff || (d.C + ExchangeUnitBlock::kTN - 1) / ExchangeUnitBlock::kTN > 65535)
    return "too large for one grid";
  for (int k = 0; k < d.count; ++k) {
    const UnitTerm& t = d.term[k];
    const std::string which = "term " + std::to_string(k) + ": ";
    const int s = t.log2_up;
    if (s < 0 || s > kExchangeMaxLog2)
      return which + "log2 factor " + std::to_string(s) + " outside 0 to " + std::to_string(kExchangeMaxLog2);
    if (!t.x) return which + "no input";
    if (t.scale && !t.shift) return which + "a scale needs a shift";
    if (!t.w) {
      if (t.shift) return which + "an identity term takes no affine";
      continue;
    }
    const ConvDesc& c = t.conv;
    const std::string why = conv_native_unsupported(c);
    if (!why.empty()) return which + why + ", " + describe_conv(c);
    const int Hl = exchange_low_extent(d.H, s), Wl = exchange_low_extent(d.W, s);
    if (c.N != d.N || c.Cout != d.C || c.Ho != Hl || c.Wo != Wl)
      return which + "the conv gives [" + std::to_string(c.N) + ", " + std::to_string(c.Ho) + ", " +
             std::to_string(c.Wo) + ", " + std::to_string(c.Cout) + "] but broadcast by " + std::to_string(1 << s) +
             " into the output it must be [" + std::to_string(d.N) + ", " + std::to_string(Hl) + ", " +
             std::to_string(Wl) + ", " + std::to_string(d.C) + "]";
  }
  return "";
}

std::string describe_exchange_unit(const ExchangeUnitDesc& d) {
  std::string s = "output [" + std::to_string(d.N) + ", " + std::to_string(d.H) + ", " + std::to_string(d.W) + ", " +
                  std::to_string(d.C) + "], terms:";
  for (int k = 0; k < d.count && k < kExchangeMaxTerms; ++k) {
    const UnitTerm& t = d.term[k];
    s += t.w ? " conv " + std::to_string(t.conv.K) + "x" + std::to_string(t.conv.K) + "/" +
                   std::to_string(t.conv.stride) + " from " + std::to_string(t.conv.Cin)
             : std::string(" identity");
    if (t.log2_up) s += " up " + std::to_string(1 << t.log2_up);
    if (k + 1 < d.count) s += ",";
  }
  return s;
}

// Term by term: each conv at its own resolution (fmaf chain over k in order, then the
// affine) into a buffer, then the sum left to right per output element, as the block body
// does it (its running sum is a register; a float stored and reread is unchanged).
void exchange_unit_forward_cpu(const ExchangeUnitDesc& d, float* y) {
  const std::string why = exchange_unit_unsupported(d);
  if (!why.empty()) throw Error("exchange_unit_forward_cpu: " + why + " (" + describe_exchange_unit(d) + ")");
  std::vector<std::vector<float>> values(size_t(d.count));
  for (int k = 0; k < d.count; ++k) {
    const UnitTerm& t = d.term[k];
    if (!t.w) continue;
    const ConvDesc& c = t.conv;
    std::vector<float>& v = values[size_t(k)];
    v.resize(size_t(c.out_elems()));
    parallel_for(c.rows(), 16, [&](int64_t b, int64_t e, int) {
      for (int64_t m = b; m < e; ++m) {
        const native::Pixel px = native::pixel_of(m, c.Ho, c.Wo);
        for (int co = 0; co < c.Cout; ++co) {
          float acc = 0.f;
          for (int kk = 0; kk < int(c.patch()); ++kk)
            acc = fmaf(ExchangeUnitBlock::conv_a(t, px.n, px.h, px.w, kk), t.w[int64_t(co) * c.patch() + kk], acc);
          v[size_t(m * c.Cout + co)] = ExchangeUnitBlock::affine(t, co, acc);
        }
      }
    });
  }
  parallel_for(int64_t(d.N) * d.H, 16, [&](int64_t b, int64_t e, int) {
    for (int64_t r = b; r < e; ++r) {
      const int64_t n = r / d.H;
      const int h = int(r % d.H);
      for (int w = 0; w < d.W; ++w)
        for (int c = 0; c < d.C; ++c) {
          float sum = 0.f;
          for (int k = 0; k < d.count; ++k) {
            const UnitTerm& t = d.term[k];
            const int s = t.log2_up;
            const int Hl = exchange_low_extent(d.H, s), Wl = exchange_low_extent(d.W, s);
            const int64_t at = ((n * Hl + (h >> s)) * Wl + (w >> s)) * d.C + c;
            const float v = t.w ? values[size_t(k)][size_t(at)] : t.x[at];
            sum = k == 0 ? v : sum + v;
          }
          y[(r * d.W + w) * d.C + c] = d.relu ? relu_value(sum) : sum;
        }
    }
  });
}

}  // namespace hr::kern
