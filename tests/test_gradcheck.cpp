// fp64 central-difference gradient checks of every differentiable op, at odd spatial sizes
// (9x7, 12x9: HRNet at 384x288 makes 12x9 maps), stride 1 and 2, bias on and off, batch norm
// in training and eval mode, and the loss with some target weights zero.
#include <catch2/catch.hpp>

#include "support/gradcheck.h"

using namespace hr;
using hr::test::gradcheck;

namespace {
constexpr double kBound = 1e-6;  // fp64 central differences with eps 1e-6 reach ~1e-9

Tensor rnd(Shape s, uint64_t seed, double stddev = 1.0) {
  Rng rng(seed);
  return randn(s, rng, stddev, DType::f64);
}

void expect_ok(const hr::test::GradcheckReport& r) {
  INFO(r.worst);
  INFO("elements checked: " << r.elements_checked);
  CHECK(r.elements_checked > 0);
  CHECK(r.max_rel_error < kBound);
}
}  // namespace

TEST_CASE("gradcheck conv2d", "[gradcheck][conv]") {
  struct Case { int N, H, W, Cin, Cout, K, stride; bool bias; };
  const Case cases[] = {
      {2, 9, 7, 3, 4, 3, 1, false},  {2, 9, 7, 3, 4, 3, 2, true},   {1, 12, 9, 5, 3, 3, 2, false},
      {2, 12, 9, 4, 6, 3, 1, true},  {2, 9, 7, 5, 3, 1, 1, true},   {1, 9, 7, 4, 5, 1, 2, false},
      {1, 2, 3, 2, 2, 3, 2, true},
  };
  for (const Case& c : cases) {
    DYNAMIC_SECTION("N" << c.N << " " << c.H << "x" << c.W << " " << c.Cin << "->" << c.Cout << " k"
                        << c.K << " s" << c.stride << (c.bias ? " bias" : "")) {
      std::vector<Tensor> in{rnd(Shape{c.N, c.H, c.W, c.Cin}, 1), rnd(Shape{c.Cout, c.K, c.K, c.Cin}, 2)};
      if (c.bias) in.push_back(rnd(Shape{c.Cout}, 3));
      const int stride = c.stride;
      const bool bias = c.bias;
      expect_ok(gradcheck([stride, bias](const std::vector<Var>& v) {
        return ops::conv2d(v[0], v[1], bias ? v[2] : Var(), stride);
      }, in));
    }
  }
}

TEST_CASE("gradcheck batch_norm", "[gradcheck][batchnorm]") {
  for (bool training : {true, false}) {
    DYNAMIC_SECTION((training ? "training" : "eval") << " mode") {
      const int C = 5;
      // Non-zero mean and non-unit scale, so that the centring terms matter.
      Tensor x = rnd(Shape{2, 9, 7, C}, 4, 2.0);
      for (int64_t i = 0; i < x.numel(); ++i) x.data<double>()[i] += 0.5 * double(i % C);
      std::vector<Tensor> in{x, rnd(Shape{C}, 5), rnd(Shape{C}, 6)};
      Tensor rm = rnd(Shape{C}, 7, 0.1);
      Tensor rv = Tensor::full(Shape{C}, 1.5, DType::f64);
      expect_ok(gradcheck([&](const std::vector<Var>& v) {
        // The running statistics are snapshots so each call sees the same eval-mode statistics.
        Tensor m = rm.clone(), s = rv.clone();
        return ops::batch_norm(v[0], v[1], v[2], m, s, training);
      }, in));
    }
  }
}

TEST_CASE("gradcheck batch_norm_act (BN + residual + ReLU fused)", "[gradcheck][batchnorm][fusion]") {
  for (bool training : {true, false})
    for (bool with_residual : {false, true}) {
      DYNAMIC_SECTION((training ? "training" : "eval") << (with_residual ? " residual" : "") << " relu") {
        const int C = 3;
        Tensor x = rnd(Shape{1, 12, 9, C}, 13, 2.0);
        for (int64_t i = 0; i < x.numel(); ++i) x.data<double>()[i] += 0.5 * double(i % C);
        std::vector<Tensor> in{x, rnd(Shape{C}, 14), rnd(Shape{C}, 15)};
        if (with_residual) in.push_back(rnd(Shape{1, 12, 9, C}, 16));
        Tensor rm = rnd(Shape{C}, 17, 0.1);
        Tensor rv = Tensor::full(Shape{C}, 1.5, DType::f64);
        expect_ok(gradcheck([&](const std::vector<Var>& v) {
          Tensor m = rm.clone(), s = rv.clone();
          return ops::batch_norm_act(v[0], v[1], v[2], m, s, training, 0.1, 1e-5, with_residual ? v[3] : Var(),
                                     true);
        }, in));
      }
    }
}

TEST_CASE("gradcheck batch_norm_relu_conv2d (BN + ReLU recomputed in the backward)", "[gradcheck][batchnorm][fusion]") {
  for (int K : {1, 3})
    for (int stride : {1, 2}) {
      if (K == 1 && stride == 2) continue;  // HRNet has no such conv after a BN + ReLU
      DYNAMIC_SECTION("K " << K << " stride " << stride) {
        const int C = 3, Cout = 4;
        Tensor x = rnd(Shape{1, 9, 7, C}, 21, 2.0);
        for (int64_t i = 0; i < x.numel(); ++i) x.data<double>()[i] += 0.5 * double(i % C);
        const std::vector<Tensor> in{x, rnd(Shape{C}, 22), rnd(Shape{C}, 23), rnd(Shape{Cout, K, K, C}, 24),
                                     rnd(Shape{Cout}, 25)};
        Tensor rm = rnd(Shape{C}, 26, 0.1);
        Tensor rv = Tensor::full(Shape{C}, 1.5, DType::f64);
        expect_ok(gradcheck([&](const std::vector<Var>& v) {
          Tensor m = rm.clone(), s = rv.clone();
          return ops::batch_norm_relu_conv2d(v[0], v[1], v[2], m, s, 0.1, 1e-5, v[3], v[4], stride);
        }, in));
      }
    }
}

TEST_CASE("gradcheck relu, add, add_relu", "[gradcheck][elementwise]") {
  const Shape s{2, 9, 7, 3};
  expect_ok(gradcheck([](const std::vector<Var>& v) { return ops::relu(v[0]); }, {rnd(s, 8)}));
  expect_ok(gradcheck([](const std::vector<Var>& v) { return ops::add(v[0], v[1]); }, {rnd(s, 9), rnd(s, 10)}));
  expect_ok(gradcheck([](const std::vector<Var>& v) { return ops::add_relu(v[0], v[1]); },
                      {rnd(s, 11), rnd(s, 12)}));
}

TEST_CASE("gradcheck upsample_nearest", "[gradcheck][upsample]") {
  for (int f : {2, 4, 8}) {
    DYNAMIC_SECTION("factor " << f) {
      expect_ok(gradcheck([f](const std::vector<Var>& v) { return ops::upsample_nearest(v[0], f); },
                          {rnd(Shape{2, 3, 2, 5}, 13)}));
    }
  }
}

TEST_CASE("gradcheck joints_mse_loss with zero target weights", "[gradcheck][loss]") {
  const int B = 3, H = 9, W = 7, J = 4;
  Tensor target = rnd(Shape{B, H, W, J}, 14);
  Tensor weight = Tensor::from_vector<double>(Shape{B, J}, {1, 0, 1, 1, 0, 0, 1, 1, 1, 1, 0, 1});
  for (bool use_w : {true, false}) {
    DYNAMIC_SECTION("use_target_weight " << use_w) {
      expect_ok(gradcheck([&](const std::vector<Var>& v) {
        return ops::joints_mse_loss(v[0], target, weight, use_w);
      }, {rnd(Shape{B, H, W, J}, 15)}));
    }
  }
}

TEST_CASE("gradcheck a small residual block (ops composed)", "[gradcheck][autograd]") {
  // conv3x3 -> BN(train) -> ReLU -> conv3x3 s2 -> BN -> + conv1x1 s2 shortcut -> ReLU -> up x2
  const int C = 3;
  std::vector<Tensor> in{rnd(Shape{2, 9, 7, C}, 16), rnd(Shape{C, 3, 3, C}, 17), rnd(Shape{4, 3, 3, C}, 18),
                         rnd(Shape{4, 1, 1, C}, 19)};
  Tensor g1 = Tensor::full(Shape{C}, 1.0, DType::f64), b1 = Tensor::zeros(Shape{C}, DType::f64);
  Tensor g2 = Tensor::full(Shape{4}, 1.0, DType::f64), b2 = Tensor::zeros(Shape{4}, DType::f64);
  expect_ok(gradcheck([&](const std::vector<Var>& v) {
    Tensor rm1 = Tensor::zeros(Shape{C}, DType::f64), rv1 = Tensor::full(Shape{C}, 1.0, DType::f64);
    Tensor rm2 = Tensor::zeros(Shape{4}, DType::f64), rv2 = Tensor::full(Shape{4}, 1.0, DType::f64);
    Var h = ops::relu(ops::batch_norm(ops::conv2d(v[0], v[1], Var(), 1), Var(g1), Var(b1), rm1, rv1, true));
    Var main = ops::batch_norm(ops::conv2d(h, v[2], Var(), 2), Var(g2), Var(b2), rm2, rv2, true);
    Var shortcut = ops::conv2d(v[0], v[3], Var(), 2);
    return ops::upsample_nearest(ops::add_relu(main, shortcut), 2);
  }, in));
}

TEST_CASE("gradcheck detects a wrong gradient", "[gradcheck]") {
  // A harness that cannot fail proves nothing: feed it an op whose backward is deliberately off.
  auto bad_double = [](const std::vector<Var>& v) {
    Tensor y = v[0].value().clone();
    for (int64_t i = 0; i < y.numel(); ++i) y.data<double>()[i] *= 2.0;
    return record_op1("bad_double", {v[0]}, y, [](const std::vector<Tensor>& go, std::vector<Tensor>& gi) {
      for (int64_t i = 0; i < go[0].numel(); ++i) gi[0].data<double>()[i] += 1.9 * go[0].data<double>()[i];
    });
  };
  const auto r = gradcheck(bad_double, {rnd(Shape{3, 4}, 20)});
  REQUIRE(r.max_rel_error > 0.01);
}
