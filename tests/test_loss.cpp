#include <catch2/catch.hpp>

#include "engine/engine.h"

using namespace hr;
using Catch::Matchers::WithinAbs;

TEST_CASE("joints_mse_loss equals the official JointsMSELoss by hand", "[loss]") {
  // B=1, H=1, W=2, J=2 (NHWC: pixel-major, joint innermost)
  // pred  pixel0 (1, 2)  pixel1 (3, 4);  target pixel0 (0, 0)  pixel1 (1, 1)
  Var pred(Tensor::from_vector<double>(Shape{1, 1, 2, 2}, {1, 2, 3, 4}), true);
  Tensor target = Tensor::from_vector<double>(Shape{1, 1, 2, 2}, {0, 0, 1, 1});
  Tensor weight = Tensor::from_vector<double>(Shape{1, 2}, {1, 0});
  // Official: sum_j 0.5*mean_hw((w_j*(p-t))^2) / J = (0.5*(1+4)/2 + 0) / 2 = 0.625
  Var L = ops::joints_mse_loss(pred, target, weight, true);
  CHECK_THAT(L.value().item(), WithinAbs(0.625, 1e-12));
  L.backward();
  // dL/dp = w^2 (p - t) / (B*J*H*W) = w^2 (p-t)/4
  const auto g = pred.grad().to_vector<double>();
  CHECK_THAT(g[0], WithinAbs(0.25, 1e-12));
  CHECK_THAT(g[1], WithinAbs(0.0, 1e-12));
  CHECK_THAT(g[2], WithinAbs(0.5, 1e-12));
  CHECK_THAT(g[3], WithinAbs(0.0, 1e-12));
  // Without target weights: (0.5*(1+4)/2 + 0.5*(4+9)/2)/2 = 2.25
  CHECK_THAT(ops::joints_mse_loss(pred, target, weight, false).value().item(), WithinAbs(2.25, 1e-12));
}

TEST_CASE("joints_mse_loss errors name the argument", "[loss][errors]") {
  Var pred(Tensor::zeros(Shape{2, 4, 4, 3}));
  CHECK_THROWS_WITH(ops::joints_mse_loss(pred, Tensor::zeros(Shape{2, 4, 4, 2}), Tensor::zeros(Shape{2, 3})),
                    Catch::Contains("target"));
  CHECK_THROWS_WITH(ops::joints_mse_loss(pred, Tensor::zeros(Shape{2, 4, 4, 3}), Tensor::zeros(Shape{2, 2})),
                    Catch::Contains("target_weight"));
}
