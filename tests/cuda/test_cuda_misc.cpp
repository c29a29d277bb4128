// Heatmap peaks, eval BN folding and the errors of the CUDA backend.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "tests/cuda/parity.h"

using namespace hr;
using hr::test::rel_max_diff;

TEST_CASE("CUDA heatmap peaks equal the CPU's: first maximum, NaN wins, ties to the lower index", "[cuda]") {
  Rng rng(31);
  Tensor hm = randn(Shape{3, 12, 9, 17}, rng);
  float* p = hm.data<float>();
  const int J = 17;
  auto at = [&](int b, int y, int x, int j) -> float& { return p[((int64_t(b) * 12 + y) * 9 + x) * J + j]; };
  at(0, 5, 4, 2) = 9.0f, at(0, 7, 1, 2) = 9.0f;  // a tie: (5, 4) comes first
  at(1, 11, 8, 3) = std::nanf(""), at(1, 2, 2, 3) = 50.0f;
  for (int y = 0; y < 12; ++y)
    for (int x = 0; x < 9; ++x) at(2, y, x, 0) = -1.0f;  // a flat map: index 0
  const auto c = ops::heatmap_peaks(hm), g = ops::heatmap_peaks(hm.to(Device::CUDA));
  CHECK(c.index.to_vector<int64_t>() == g.index.to_vector<int64_t>());
  const auto vc = c.value.to_vector<float>(), vg = g.value.to_vector<float>();
  for (size_t i = 0; i < vc.size(); ++i) CHECK((vc[i] == vg[i] || (std::isnan(vc[i]) && std::isnan(vg[i]))));
  CHECK(c.index.to_vector<int64_t>()[0 * J + 2] == 5 * 9 + 4);
  CHECK(c.index.to_vector<int64_t>()[1 * J + 3] == 11 * 9 + 8);
  CHECK(c.index.to_vector<int64_t>()[2 * J + 0] == 0);
}

TEST_CASE("Eval BN folding runs on CUDA and equals the unfolded CPU layers", "[cuda]") {
  Rng rng(32);
  Conv2d conv(6, 10, 3, 2, /*bias=*/true);
  BatchNorm2d bn(10);
  conv.init_normal(rng, 0.3);
  Var cb = conv.bias(), bw = bn.weight();  // Vars are shared handles
  cb.value().copy_from(randn(Shape{10}, rng));
  bn.running_mean().copy_from(randn(Shape{10}, rng));
  bn.running_var().copy_from(rand_uniform(Shape{10}, rng, 0.5, 2.0));
  bw.value().copy_from(rand_uniform(Shape{10}, rng, 0.5, 1.5));
  conv.eval(), bn.eval();
  const Tensor x = randn(Shape{2, 9, 7, 6}, rng);
  NoGradGuard no_grad;
  const bool was = set_bn_folding(false);
  const Tensor ref = conv_bn(conv, bn, Var(x), true).value();
  set_bn_folding(true);
  conv.to(Device::CUDA), bn.to(Device::CUDA);
  const int64_t before = bn_fold_count();
  const Tensor y = conv_bn(conv, bn, Var(x.to(Device::CUDA)), true).value();
  CHECK(bn_fold_count() == before + 1);
  CHECK(y.device() == Device::CUDA);
  CHECK(rel_max_diff(ref, y) < 2e-5);
  set_bn_folding(was);
}

TEST_CASE("BatchNorm2d counts batches on the device", "[cuda]") {
  BatchNorm2d bn(4);
  bn.to(Device::CUDA);
  bn.train();
  Rng rng(33);
  const Var x(randn(Shape{2, 3, 3, 4}, rng).to(Device::CUDA));
  for (int i = 0; i < 3; ++i) bn.forward(x);
  CHECK(bn.num_batches_tracked().device() == Device::CUDA);
  CHECK(bn.num_batches_tracked().to_vector<int64_t>()[0] == 3);
}

TEST_CASE("CUDA errors name what was wrong", "[cuda]") {
  Rng rng(34);
  // f64 stays on the CPU.
  CHECK_THROWS_WITH(Tensor::empty(Shape{3}, DType::f64, Device::CUDA), Catch::Contains("CPU only"));
  // Mixed devices are refused with both tensors named.
  const Var a(randn(Shape{1, 3, 3, 2}, rng)), w(randn(Shape{4, 3, 3, 2}, rng).to(Device::CUDA));
  CHECK_THROWS_WITH(ops::conv2d(a, w, Var(), 1), Catch::Contains("@cuda") && Catch::Contains("@cpu"));
}

TEST_CASE("CUDA first_nonfinite scans on the device and agrees with the CPU", "[cuda]") {
  Rng rng(83);
  std::vector<Tensor> host = {randn(Shape{70000}, rng), randn(Shape{3}, rng), randn(Shape{65536 * 3 + 5}, rng)};
  std::vector<Tensor> dev;
  for (const Tensor& t : host) dev.push_back(t.to(Device::CUDA));
  CHECK(ops::first_nonfinite(dev) == -1);
  host[2].data<float>()[65536 * 3 + 4] = std::numeric_limits<float>::infinity();
  host[1].data<float>()[2] = std::nanf("");
  dev.clear();
  for (const Tensor& t : host) dev.push_back(t.to(Device::CUDA));
  CHECK(ops::first_nonfinite(host) == 1);
  CHECK(ops::first_nonfinite(dev) == 1);
}
