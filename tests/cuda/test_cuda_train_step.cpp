// One whole training step of a narrow HRNet (every transition and fuse path, one block per
// branch) on CUDA against the CPU: loss, every gradient, the BN running statistics and the
// weights after an Adam step. Input 96x64, so the 1/32 branch runs on 3x2 maps.
#include <catch2/catch.hpp>

#include <cmath>

#include "hrnet/pose_hrnet.h"
#include "tests/cuda/parity.h"
#include "tests/support/tiny_hrnet.h"

using namespace hr;
using hr::test::rel_l2_diff;
using hr::test::rel_max_diff;

TEST_CASE("One HRNet training step on CUDA matches the CPU", "[cuda]") {
  const int J = 17;
  net::PoseHighResolutionNet cpu(hr::test::tiny_hrnet_spec(J)), gpu(hr::test::tiny_hrnet_spec(J));
  Rng r1(5), r2(5);
  cpu.init_weights(r1);
  gpu.init_weights(r2);
  gpu.to(Device::CUDA);
  cpu.train(), gpu.train();

  Rng rng(8);
  const Tensor x = randn(Shape{2, 96, 64, 3}, rng);
  const Tensor target = rand_uniform(Shape{2, 24, 16, J}, rng, 0.0, 1.0);
  Tensor weight = Tensor::full(Shape{2, J}, 1.0);
  weight.data<float>()[3] = 0.0f;

  AdamOptions ao;
  ao.lr = 1e-3;
  Adam opt_c(cpu.parameters(), ao), opt_g(gpu.parameters(), ao);

  const Var yc = cpu.forward(Var(x));
  const Var yg = gpu.forward(Var(x.to(Device::CUDA)));
  REQUIRE(yg.device() == Device::CUDA);
  CHECK(rel_max_diff(yc.value(), yg.value()) < 1e-4);
  const Var lc = ops::joints_mse_loss(yc, target, weight);
  const Var lg = ops::joints_mse_loss(yg, target.to(Device::CUDA), weight.to(Device::CUDA));
  CHECK(std::abs(lc.value().item() - lg.value().item()) <= 1e-5 * std::abs(lc.value().item()));
  lc.backward();
  lg.backward();

  const auto pc = cpu.named_parameters(), pg = gpu.named_parameters();
  REQUIRE(pc.size() == pg.size());
  for (size_t i = 0; i < pc.size(); ++i) {
    INFO(pc[i].first);
    REQUIRE(pg[i].second.grad().defined());
    CHECK(rel_l2_diff(pc[i].second.grad(), pg[i].second.grad()) < 1e-3);
  }
  const auto bc = cpu.named_buffers(), bg = gpu.named_buffers();
  for (size_t i = 0; i < bc.size(); ++i) {
    INFO(bc[i].first);
    if (bc[i].second.dtype() == DType::i64)
      CHECK(bc[i].second.to_vector<int64_t>() == bg[i].second.to_vector<int64_t>());
    else
      CHECK(rel_max_diff(bc[i].second, bg[i].second) < 1e-4);
  }

  // Adam's first step moves each weight by about lr * sign(grad): where a gradient is tiny
  // next to its tensor's scale, rounding may flip the sign, so those elements only have to
  // stay within the step; everywhere else the updated weights agree closely.
  std::vector<std::vector<float>> grads;
  for (size_t i = 0; i < pc.size(); ++i) grads.push_back(pc[i].second.grad().to_vector<float>());
  opt_c.step();
  opt_g.step();
  for (size_t i = 0; i < pc.size(); ++i) {
    INFO(pc[i].first);
    const auto wc = pc[i].second.value().to_vector<float>(), wg = pg[i].second.value().to_vector<float>();
    double rms = 0;
    for (float g : grads[i]) rms += double(g) * g;
    rms = std::sqrt(rms / double(grads[i].size()));
    int64_t bad = 0;
    for (size_t k = 0; k < wc.size(); ++k) {
      const double d = std::abs(double(wc[k]) - wg[k]);
      const bool clear_sign = std::abs(grads[i][k]) > 1e-2 * rms;
      if (d > (clear_sign ? 1e-5 : 2.0 * ao.lr + 1e-6)) ++bad;
    }
    CHECK(bad == 0);
  }
}
