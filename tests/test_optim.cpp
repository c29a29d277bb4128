#include <catch2/catch.hpp>

#include <cmath>

#include "engine/engine.h"

using namespace hr;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {
// Sets p.grad to the given values (as a backward pass would have left them).
void set_grad(Var& p, const std::vector<double>& g) { p.grad() = Tensor::from_vector<double>(p.shape(), g); }
}  // namespace

TEST_CASE("Adam follows PyTorch's update step by step", "[optim]") {
  for (double wd : {0.0, 0.01}) {
    DYNAMIC_SECTION("weight_decay " << wd) {
      Var p(Tensor::from_vector<double>(Shape{2}, {0.5, -1.0}), true);
      AdamOptions o;
      o.lr = 0.1;
      o.weight_decay = wd;
      Adam adam({p}, o);
      double m[2] = {0, 0}, v[2] = {0, 0}, x[2] = {0.5, -1.0};
      const std::vector<std::vector<double>> grads{{0.3, -0.2}, {-0.1, 0.4}, {0.25, 0.25}};
      for (int t = 1; t <= 3; ++t) {
        set_grad(p, grads[t - 1]);
        adam.step();
        for (int i = 0; i < 2; ++i) {
          const double g = grads[t - 1][i] + wd * x[i];
          m[i] = 0.9 * m[i] + 0.1 * g;
          v[i] = 0.999 * v[i] + 0.001 * g * g;
          const double mhat = m[i] / (1 - std::pow(0.9, t));
          const double denom = std::sqrt(v[i]) / std::sqrt(1 - std::pow(0.999, t)) + 1e-8;
          x[i] -= 0.1 * mhat / denom;
        }
        const auto got = p.value().to_vector<double>();
        CHECK_THAT(got[0], WithinAbs(x[0], 1e-12));
        CHECK_THAT(got[1], WithinAbs(x[1], 1e-12));
      }
      CHECK(adam.steps()[0] == 3);
    }
  }
}

TEST_CASE("Adam's first step moves each weight by about lr", "[optim]") {
  Var p(Tensor::from_vector<float>(Shape{3}, {1, 1, 1}), true);
  p.grad() = Tensor::from_vector<float>(Shape{3}, {1e-3f, -5.0f, 0.0f});
  Adam adam({p});
  adam.step();
  const auto x = p.value().to_vector<float>();
  CHECK_THAT(x[0], WithinAbs(1 - 1e-3, 1e-6));
  CHECK_THAT(x[1], WithinAbs(1 + 1e-3, 1e-6));
  CHECK(x[2] == 1.0f);
}

TEST_CASE("Adam skips parameters without gradients", "[optim]") {
  Var p(Tensor::full(Shape{2}, 1.0), true);
  Adam adam({p});
  adam.step();
  CHECK(p.value().to_vector<float>() == std::vector<float>{1, 1});
  CHECK(adam.steps()[0] == 0);
}

TEST_CASE("SGD with momentum, dampening, Nesterov and weight decay", "[optim]") {
  for (bool nesterov : {false, true}) {
    DYNAMIC_SECTION("nesterov " << nesterov) {
      Var p(Tensor::from_vector<double>(Shape{1}, {2.0}), true);
      SgdOptions o;
      o.lr = 0.1;
      o.momentum = 0.9;
      o.weight_decay = 0.01;
      o.nesterov = nesterov;
      SGD sgd({p}, o);
      double x = 2.0, buf = 0.0;
      const double grads[3] = {1.0, -0.5, 0.25};
      for (int t = 0; t < 3; ++t) {
        set_grad(p, {grads[t]});
        sgd.step();
        double g = grads[t] + 0.01 * x;
        buf = t == 0 ? g : 0.9 * buf + g;
        g = nesterov ? g + 0.9 * buf : buf;
        x -= 0.1 * g;
        CHECK_THAT(p.value().item(), WithinAbs(x, 1e-12));
      }
    }
  }
}

TEST_CASE("MultiStepLR drops at the official epochs", "[optim]") {
  Var p(Tensor::full(Shape{1}, 0.0), true);
  Adam adam({p});
  MultiStepLR sched(adam, {170, 200}, 0.1);
  std::vector<double> lr_of_epoch;
  for (int epoch = 0; epoch < 210; ++epoch) {
    sched.step();  // at the start of each epoch, as tools/train.py does
    lr_of_epoch.push_back(adam.lr());
  }
  CHECK_THAT(lr_of_epoch[0], WithinRel(1e-3, 1e-12));
  CHECK_THAT(lr_of_epoch[168], WithinRel(1e-3, 1e-12));
  CHECK_THAT(lr_of_epoch[169], WithinRel(1e-4, 1e-12));
  CHECK_THAT(lr_of_epoch[198], WithinRel(1e-4, 1e-12));
  CHECK_THAT(lr_of_epoch[199], WithinRel(1e-5, 1e-12));
  CHECK_THAT(lr_of_epoch[209], WithinRel(1e-5, 1e-12));
}
