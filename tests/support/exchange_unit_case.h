// Test data for the fused inference exchange unit (kernels/exchange/unit.h), shared by the
// emulator tests and the [cuda] tests: the terms of one output branch of a B-branch unit.
#pragma once
#include <functional>
#include <vector>

#include "engine/random.h"
#include "kernels/exchange/unit.h"
#include "tests/support/random_floats.h"

namespace hr::test {

// Branch b has ceil(H0 / 2^b) x ceil(W0 / 2^b) pixels and C[b] channels; `out` is the output
// branch i. Terms in HRNet's order j = 0..B-1: j < i the down chain's last conv (3x3 stride 2
// from C[j] channels at branch i-1's size), j == i the branch itself, j > i the 1x1 conv of
// branch j at its own size, broadcast by 2^(j-i). BN folded into random scale and shift.
struct UnitCase {
  int N, H0, W0;
  std::vector<int> C;
  int out;
};

// A four-branch unit at odd sizes: 13x11, 7x6, 4x3, 2x2 (8x8 squares cut at the edges, low
// pixels cropped), channels across the 64-channel slice (70), 9 x 70 = 630 k for the last
// output's down convs (K slices of 16 with a tail).
inline const UnitCase kFourBranchUnit = {2, 13, 11, {5, 9, 17, 70}, 0};

struct UnitData {
  std::vector<std::vector<float>> x, w, scale, shift;  // per term; empty where unused
  kern::ExchangeUnitDesc d;                             // pointing into the vectors above
};

inline UnitData make_unit(const UnitCase& uc, Rng& rng) {
  const auto extent = [](int full, int b) { return kern::exchange_low_extent(full, b); };
  const int B = int(uc.C.size()), i = uc.out;
  UnitData u;
  u.x.resize(size_t(B)), u.w.resize(size_t(B)), u.scale.resize(size_t(B)), u.shift.resize(size_t(B));
  kern::ExchangeUnitDesc& d = u.d;
  d.N = uc.N, d.H = extent(uc.H0, i), d.W = extent(uc.W0, i), d.C = uc.C[size_t(i)];
  d.count = B;
  for (int j = 0; j < B; ++j) {
    kern::UnitTerm& t = d.term[j];
    const size_t J = size_t(j);
    if (j == i) {
      u.x[J] = random_floats(size_t(d.N) * d.H * d.W * d.C, rng);
      t.x = u.x[J].data();
      continue;
    }
    t.conv = j < i ? kern::make_conv_desc(d.N, extent(uc.H0, i - 1), extent(uc.W0, i - 1), uc.C[J], d.C, 3, 2)
                   : kern::make_conv_desc(d.N, extent(uc.H0, j), extent(uc.W0, j), uc.C[J], d.C, 1, 1);
    t.log2_up = j > i ? j - i : 0;
    u.x[J] = random_floats(size_t(t.conv.in_elems()), rng);
    u.w[J] = random_floats(size_t(t.conv.weight_elems()), rng, -0.5, 0.5);
    u.scale[J] = random_floats(size_t(d.C), rng, 0.5, 1.5);
    u.shift[J] = random_floats(size_t(d.C), rng);
    t.x = u.x[J].data(), t.w = u.w[J].data(), t.scale = u.scale[J].data(), t.shift = u.shift[J].data();
  }
  return u;
}

// u's descriptor with every buffer replaced by place(buffer) (e.g. a device copy).
inline kern::ExchangeUnitDesc rebind(const UnitData& u, const std::function<const float*(const std::vector<float>&)>& place) {
  kern::ExchangeUnitDesc d = u.d;
  for (int k = 0; k < d.count; ++k) {
    kern::UnitTerm& t = d.term[k];
    const size_t K = size_t(k);
    t.x = place(u.x[K]);
    if (t.w) t.w = place(u.w[K]), t.scale = place(u.scale[K]), t.shift = place(u.shift[K]);
  }
  return d;
}

}  // namespace hr::test
