// The fused inference exchange unit (kernels/exchange/unit.h): one kernel for all inputs of an
// output branch. Its block body under the grid emulator against the CPU definition bit for bit
// (under several schedules, with the race checks on), the definition against the unfused
// sequence of CPU convolutions, BN, upsampling, adds and ReLU, and its errors.
// tests/cuda/test_cuda_exchange_unit.cpp compares the GPU with the emulator.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/common/error.h"
#include "kernels/conv/conv.h"
#include "kernels/emu/bf16.h"
#include "kernels/emu/cpu_block.h"
#include "kernels/exchange/unit.h"
#include "tests/support/exchange_unit_case.h"
#include "tests/support/float_compare.h"
#include "tests/support/random_floats.h"

using namespace hr;
using emu::EmuOptions;
using emu::Schedule;
using kern::ConvDesc;
using test::mismatches;
using test::random_floats;
using test::UnitCase;
using test::UnitData;
using test::make_unit;
using test::rel_max;

namespace {

// The unfused sequence on the CPU: conv2d, BN folded as v * scale + shift, nearest upsampling
// by index, the adds, the ReLU.
std::vector<float> unfused(const kern::ExchangeUnitDesc& d) {
  std::vector<float> y(size_t(d.N) * d.H * d.W * d.C, 0.f);
  for (int k = 0; k < d.count; ++k) {
    const kern::UnitTerm& t = d.term[k];
    std::vector<float> v;
    if (t.w) {
      v.resize(size_t(t.conv.out_elems()));
      kern::conv2d_forward_cpu<float>(t.conv, t.x, t.w, nullptr, v.data());
    }
    const int s = t.log2_up, Hl = kern::exchange_low_extent(d.H, s), Wl = kern::exchange_low_extent(d.W, s);
    for (int n = 0; n < d.N; ++n)
      for (int h = 0; h < d.H; ++h)
        for (int w = 0; w < d.W; ++w)
          for (int c = 0; c < d.C; ++c) {
            const size_t at = size_t(((n * Hl + (h >> s)) * Wl + (w >> s)) * d.C + c);
            const float val = !t.w ? t.x[at] : t.scale ? v[at] * t.scale[c] + t.shift[c] : t.shift ? v[at] + t.shift[c] : v[at];
            y[size_t(((n * d.H + h) * d.W + w) * d.C + c)] += val;
          }
  }
  if (d.relu)
    for (float& v : y) v = std::max(v, 0.f);
  return y;
}

const UnitCase kFour = test::kFourBranchUnit;

const std::vector<EmuOptions> kSchedules = {{Schedule::InOrder, 1}, {Schedule::Reversed, 1}, {Schedule::Shuffled, 3}};

}  // namespace

TEST_CASE("emu exchange unit: one kernel per output branch is its CPU definition bit for bit", "[emu][exchange]") {
  Rng rng(81);
  for (int out = 0; out < 4; ++out) {
    UnitCase uc = kFour;
    uc.out = out;
    UnitData u = make_unit(uc, rng);
    INFO("output branch " << out << ": " << kern::describe_exchange_unit(u.d));
    const size_t size = size_t(u.d.N) * u.d.H * u.d.W * u.d.C;
    std::vector<float> ref(size);
    kern::exchange_unit_forward_cpu(u.d, ref.data());

    // The definition is the unfused sequence up to the order of the conv sums and the fma.
    CHECK(rel_max(ref, unfused(u.d)) < 1e-5);
    size_t zeros = 0;
    for (float v : ref) zeros += v == 0.f;
    CHECK(zeros > size / 10);  // the ReLU ran
    CHECK(zeros < size * 9 / 10);

    for (const EmuOptions& opt : kSchedules) {
      INFO("schedule " << int(opt.schedule) << " seed " << opt.seed);
      std::vector<float> y(size, std::nanf(""));
      kern::exchange_unit_forward_emu(u.d, y.data(), opt);
      CHECK(mismatches(y, ref) == 0);
    }
  }
}

TEST_CASE("emu exchange unit: factor 16, a broadcast identity, a bias, no ReLU", "[emu][exchange]") {
  // Output 20x17 (three squares by three, cut), a 1x1 conv from a 2x2 map broadcast by 16
  // (one low pixel per square), an identity given at half resolution, a full-resolution 3x3
  // stride-1 conv without affine and one with a bias only (BN folded into its weights); no
  // ReLU, so negative sums must survive.
  Rng rng(82);
  const int N = 1, H = 20, W = 17, C = 6;
  kern::ExchangeUnitDesc d;
  d.N = N, d.H = H, d.W = W, d.C = C, d.count = 4, d.relu = false;
  const ConvDesc up = kern::make_conv_desc(N, 2, 2, 4, C, 1, 1);
  const ConvDesc same = kern::make_conv_desc(N, H, W, 3, C, 3, 1);
  const auto xi = random_floats(size_t(N) * 10 * 9 * C, rng);
  const auto xu = random_floats(size_t(up.in_elems()), rng), wu = random_floats(size_t(up.weight_elems()), rng);
  const auto xs = random_floats(size_t(same.in_elems()), rng), ws = random_floats(size_t(same.weight_elems()), rng);
  const auto sc = random_floats(C, rng, 0.5, 1.5), sh = random_floats(C, rng);
  d.term[0].x = xi.data();
  d.term[0].log2_up = 1;
  d.term[1] = {xu.data(), wu.data(), sc.data(), sh.data(), up, 4};
  d.term[2] = {xs.data(), ws.data(), nullptr, nullptr, same, 0};
  d.term[3] = {xs.data(), ws.data(), nullptr, sh.data(), same, 0};
  std::vector<float> ref(size_t(N) * H * W * C), y(ref.size(), std::nanf(""));
  kern::exchange_unit_forward_cpu(d, ref.data());
  CHECK(rel_max(ref, unfused(d)) < 1e-5);
  CHECK(*std::min_element(ref.begin(), ref.end()) < 0.f);
  kern::exchange_unit_forward_emu(d, y.data(), {Schedule::Shuffled, 5});
  CHECK(mismatches(y, ref) == 0);
}

TEST_CASE("exchange unit: unusable units are refused, naming the term", "[exchange]") {
  Rng rng(83);
  UnitCase uc = kFour;
  uc.out = 1;
  UnitData u = make_unit(uc, rng);
  std::vector<float> y(size_t(u.d.N) * u.d.H * u.d.W * u.d.C);
  REQUIRE(kern::exchange_unit_unsupported(u.d).empty());

  kern::ExchangeUnitDesc bad = u.d;
  bad.term[2].log2_up = 2;  // 4x3 broadcast by 4 does not make 7x6
  CHECK_THROWS_WITH(kern::exchange_unit_forward_emu(bad, y.data()),
                    Catch::Contains("term 2: the conv gives [2, 4, 3, 9] but broadcast by 4") &&
                        Catch::Contains("must be [2, 2, 2, 9]"));
  bad = u.d;
  bad.term[0].conv.Cout = 8;
  CHECK_THROWS_WITH(kern::exchange_unit_forward_cpu(bad, y.data()), Catch::Contains("term 0: the conv gives"));
  bad = u.d;
  bad.term[3].shift = nullptr;
  CHECK_THROWS_WITH(kern::exchange_unit_forward_cpu(bad, y.data()), Catch::Contains("term 3: a scale needs a shift"));
  bad = u.d;
  bad.term[1].shift = u.d.term[2].shift;
  CHECK_THROWS_WITH(kern::exchange_unit_forward_cpu(bad, y.data()),
                    Catch::Contains("term 1: an identity term takes no affine"));
  bad = u.d;
  bad.term[0].conv.stride = 3;
  CHECK_THROWS_WITH(kern::exchange_unit_forward_emu(bad, y.data()), Catch::Contains("term 0: stride must be 1 or 2"));
  bad = u.d;
  bad.count = 0;
  CHECK_THROWS_WITH(kern::exchange_unit_forward_emu(bad, y.data()), Catch::Contains("0 terms"));
}
