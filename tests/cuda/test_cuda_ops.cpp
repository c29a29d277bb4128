// Every op that has a CUDA implementation, forward and backward, against the CPU backend
// (ggml's test-backend-ops idea). Grows with the CUDA backend.
#include <catch2/catch.hpp>

#include <cmath>
#include <functional>

#include "engine/engine.h"

using namespace hr;

namespace {

double max_abs_diff(const Tensor& a, const Tensor& b) {
  const auto x = a.to_vector<float>(), y = b.to_vector<float>();
  REQUIRE(x.size() == y.size());
  double m = 0;
  for (size_t i = 0; i < x.size(); ++i) m = std::max(m, double(std::abs(x[i] - y[i])));
  return m;
}

// Runs f on CPU and CUDA copies of the inputs; compares outputs and input gradients.
void check_parity(const std::function<Var(const std::vector<Var>&)>& f, const std::vector<Tensor>& inputs) {
  std::vector<Var> cpu, gpu;
  for (const Tensor& t : inputs) {
    cpu.emplace_back(t.clone(), true);
    gpu.emplace_back(t.to(Device::CUDA), true);
  }
  Var yc = f(cpu), yg = f(gpu);
  REQUIRE(yg.device() == Device::CUDA);
  CHECK(max_abs_diff(yc.value(), yg.value()) < 1e-6);
  Rng rng(9);
  const Tensor seed = randn(yc.shape(), rng);
  yc.backward(seed);
  yg.backward(seed.to(Device::CUDA));
  for (size_t i = 0; i < inputs.size(); ++i) {
    INFO("input " << i);
    CHECK(max_abs_diff(cpu[i].grad(), gpu[i].grad()) < 1e-6);
  }
}

}  // namespace

TEST_CASE("CUDA elementwise ops match the CPU", "[cuda]") {
  Rng rng(4);
  const Shape s{2, 9, 7, 5};
  const Tensor a = randn(s, rng), b = randn(s, rng);
  check_parity([](const std::vector<Var>& v) { return ops::relu(v[0]); }, {a});
  check_parity([](const std::vector<Var>& v) { return ops::add(v[0], v[1]); }, {a, b});
  check_parity([](const std::vector<Var>& v) { return ops::add_relu(v[0], v[1]); }, {a, b});
  // A variable used twice exercises accumulate on the device.
  check_parity([](const std::vector<Var>& v) { return ops::add_relu(v[0], v[0]); }, {a});
}
