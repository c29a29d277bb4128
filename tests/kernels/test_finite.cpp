// The gradient finiteness scan (kernels/finite): the block bodies under the CPU grid emulator
// against the CPU loop, the engine op, and the trainer's use of it.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <vector>

#include "engine/engine.h"
#include "kernels/emu/options.h"
#include "kernels/finite/finite.h"
#include "tests/support/random_floats.h"

using namespace hr;
using emu::EmuOptions;
using emu::Schedule;

TEST_CASE("emu first_nonfinite: the device scan finds the first bad tensor like the CPU loop", "[emu][finite]") {
  Rng rng(81);
  // Sizes across the 65536-element chunks (one tensor spans three), an empty tensor, a scalar.
  const std::vector<int64_t> sizes = {1, 300, 0, 65536 * 2 + 17, 7, 65535};
  std::vector<std::vector<float>> data;
  for (int64_t n : sizes) data.push_back(test::random_floats(size_t(n), rng));
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  struct Poison {
    size_t tensor;
    int64_t at;
    float v;
  };
  // None; a NaN in the last chunk of the big tensor; an Inf in the first element; two bad
  // tensors given in reverse (the one earlier in the list wins); a -Inf.
  const std::vector<std::vector<Poison>> cases = {
      {}, {{3, 65536 * 2 + 16, nan}}, {{0, 0, inf}}, {{5, 65534, nan}, {1, 299, inf}}, {{4, 3, -inf}}};
  for (const auto& poison : cases) {
    std::vector<std::vector<float>> d = data;
    for (const Poison& p : poison) d[p.tensor][size_t(p.at)] = p.v;
    std::vector<kern::FiniteTensor<float>> list;
    for (const auto& v : d) list.push_back({v.data(), int64_t(v.size())});
    const int expect = kern::first_nonfinite_cpu(list);
    INFO("poisoned " << poison.size() << " tensors, CPU says " << expect);
    if (poison.empty()) CHECK(expect == -1);
    for (const EmuOptions& opt : {EmuOptions{Schedule::InOrder, 1}, EmuOptions{Schedule::Reversed, 1},
                                  EmuOptions{Schedule::Shuffled, 3}})
      CHECK(kern::first_nonfinite_emu(list, opt) == expect);
  }
  CHECK(kern::first_nonfinite_cpu(std::vector<kern::FiniteTensor<float>>{}) == -1);
  CHECK(kern::first_nonfinite_emu({}) == -1);
}

TEST_CASE("ops::first_nonfinite names the tensor on the CPU, f32 and f64", "[finite]") {
  Rng rng(82);
  for (DType dt : {DType::f32, DType::f64}) {
    std::vector<Tensor> ts = {randn(Shape{3, 4}, rng, 1.0, dt), randn(Shape{5}, rng, 1.0, dt),
                              randn(Shape{2, 2, 2}, rng, 1.0, dt)};
    CHECK(ops::first_nonfinite(ts) == -1);
    if (dt == DType::f32) ts[2].data<float>()[7] = std::nanf("");
    else ts[2].data<double>()[7] = std::nan("");
    CHECK(ops::first_nonfinite(ts) == 2);
  }
  CHECK_THROWS_WITH(ops::first_nonfinite({Tensor::zeros(Shape{2}), Tensor::zeros(Shape{2}, DType::f64)}),
                    Catch::Contains("first_nonfinite"));
}
