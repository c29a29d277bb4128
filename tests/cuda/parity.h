// Helpers of the [cuda] parity tests: run the same computation on CPU and CUDA copies of the
// inputs and measure how far apart the results are.
#pragma once
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "engine/engine.h"

namespace hr::test {

// max |a - b| / (max |a| + tiny): the worst error relative to the tensor's scale.
inline double rel_max_diff(const Tensor& a, const Tensor& b) {
  const auto x = a.to_vector<float>(), y = b.to_vector<float>();
  REQUIRE(x.size() == y.size());
  double m = 0, scale = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    m = std::max(m, double(std::abs(x[i] - y[i])));
    scale = std::max(scale, double(std::abs(x[i])));
  }
  return m / (scale + 1e-30);
}

// ||a - b|| / ||a||: for results whose elements pass through long fp32 sums in different orders.
inline double rel_l2_diff(const Tensor& a, const Tensor& b) {
  const auto x = a.to_vector<float>(), y = b.to_vector<float>();
  REQUIRE(x.size() == y.size());
  double d = 0, n = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    d += (double(x[i]) - y[i]) * (double(x[i]) - y[i]);
    n += double(x[i]) * x[i];
  }
  return std::sqrt(d) / (std::sqrt(n) + 1e-30);
}

using ParityFn = std::function<Var(const std::vector<Var>&)>;

// Runs f on CPU and CUDA copies of `inputs`, backpropagates the same random seed through both,
// and requires outputs and every input gradient to agree within `tol` (rel_max_diff).
inline void check_parity(const std::string& what, const ParityFn& f, const std::vector<Tensor>& inputs,
                         double tol) {
  INFO(what);
  std::vector<Var> cpu, gpu;
  for (const Tensor& t : inputs) {
    cpu.emplace_back(t.clone(), true);
    gpu.emplace_back(t.to(Device::CUDA), true);
  }
  Var yc = f(cpu), yg = f(gpu);
  REQUIRE(yg.device() == Device::CUDA);
  REQUIRE(yg.shape() == yc.shape());
  CHECK(rel_max_diff(yc.value(), yg.value()) < tol);
  Rng rng(9);
  const Tensor seed = randn(yc.shape(), rng);
  yc.backward(seed);
  yg.backward(seed.to(Device::CUDA));
  for (size_t i = 0; i < inputs.size(); ++i) {
    INFO("gradient of input " << i << " " << inputs[i].desc());
    REQUIRE(gpu[i].grad().defined());
    CHECK(gpu[i].grad().device() == Device::CUDA);
    CHECK(rel_max_diff(cpu[i].grad(), gpu[i].grad()) < tol);
  }
}

}  // namespace hr::test
