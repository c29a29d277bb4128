#include <catch2/catch.hpp>

#include <cmath>

#include "engine/engine.h"
#include "kernels/conv/conv.h"

using namespace hr;
using Catch::Matchers::WithinAbs;

TEST_CASE("conv2d output size: padding k/2, stride 2 rounds up", "[conv][shape]") {
  CHECK(kern::conv_out_size(9, 3, 2) == 5);
  CHECK(kern::conv_out_size(7, 3, 2) == 4);
  CHECK(kern::conv_out_size(12, 3, 2) == 6);
  CHECK(kern::conv_out_size(9, 1, 2) == 5);
  CHECK(kern::conv_out_size(9, 3, 1) == 9);
  CHECK(kern::conv_out_size(256, 3, 2) == 128);
  Var x(Tensor::zeros(Shape{2, 9, 7, 3}));
  Var w(Tensor::zeros(Shape{4, 3, 3, 3}));
  CHECK(ops::conv2d(x, w, Var(), 2).shape() == Shape{2, 5, 4, 4});
  CHECK(ops::conv2d(x, w, Var(), 1).shape() == Shape{2, 9, 7, 4});
}

TEST_CASE("conv2d 3x3 of ones on ones counts the taps inside the image", "[conv]") {
  Var x(Tensor::full(Shape{1, 3, 3, 1}, 1.0));
  Var w(Tensor::full(Shape{1, 3, 3, 1}, 1.0));
  const auto y = ops::conv2d(x, w, Var(), 1).value().to_vector<float>();
  const std::vector<float> expected{4, 6, 4, 6, 9, 6, 4, 6, 4};
  REQUIRE(y == expected);
  // Stride 2 keeps the corners: (0,0), (0,2), (2,0), (2,2).
  const auto y2 = ops::conv2d(x, w, Var(), 2).value().to_vector<float>();
  REQUIRE(y2 == std::vector<float>{4, 4, 4, 4});
}

TEST_CASE("conv2d 1x1 with bias is a per-pixel matrix product", "[conv]") {
  // x: one pixel with channels (1, 2); w: [[1, 0], [2, -1], [0.5, 0.5]]; bias (0, 1, -1)
  Var x(Tensor::from_vector<float>(Shape{1, 1, 1, 2}, {1, 2}));
  Var w(Tensor::from_vector<float>(Shape{3, 1, 1, 2}, {1, 0, 2, -1, 0.5, 0.5}));
  Var b(Tensor::from_vector<float>(Shape{3}, {0, 1, -1}));
  REQUIRE(ops::conv2d(x, w, b, 1).value().to_vector<float>() == std::vector<float>{1, 1, 0.5});
}

TEST_CASE("conv2d channel order: weights are [Cout][kh][kw][Cin]", "[conv]") {
  // A 3x3 kernel that only reads tap (kh=0, kw=2) of input channel 1: output (h, w) picks
  // input (h-1, w+1), channel 1.
  Tensor wt = Tensor::zeros(Shape{1, 3, 3, 2});
  wt.data<float>()[(0 * 3 + 2) * 2 + 1] = 1.0f;
  Tensor xt = Tensor::empty(Shape{1, 3, 3, 2});
  for (int i = 0; i < 18; ++i) xt.data<float>()[i] = float(i);
  const auto y = ops::conv2d(Var(xt), Var(wt), Var(), 1).value().to_vector<float>();
  // y(h,w) = x(h-1, w+1, c=1) = ((h-1)*3 + w+1)*2 + 1 where inside
  const std::vector<float> expected{0, 0, 0, 3, 5, 0, 9, 11, 0};
  REQUIRE(y == expected);
}

TEST_CASE("fast CPU conv matches the direct reference at HRNet-like shapes", "[conv]") {
  struct Case { int N, H, W, Cin, Cout, K, stride; };
  const Case cases[] = {{2, 16, 12, 32, 32, 3, 1}, {2, 16, 12, 32, 64, 3, 2}, {1, 12, 9, 64, 64, 3, 1},
                        {2, 8, 6, 64, 32, 1, 1},   {3, 9, 7, 3, 64, 3, 2},    {1, 13, 11, 17, 5, 1, 2},
                        {1, 33, 25, 8, 16, 3, 2}};
  Rng rng(42);
  for (const Case& c : cases) {
    DYNAMIC_SECTION(c.H << "x" << c.W << " " << c.Cin << "->" << c.Cout << " k" << c.K << " s" << c.stride) {
      const auto d = kern::make_conv_desc(c.N, c.H, c.W, c.Cin, c.Cout, c.K, c.stride);
      Tensor x = randn(Shape{c.N, c.H, c.W, c.Cin}, rng);
      Tensor w = randn(Shape{c.Cout, c.K, c.K, c.Cin}, rng, 0.1);
      Tensor b = randn(Shape{c.Cout}, rng);
      Tensor y = Tensor::empty(Shape{c.N, d.Ho, d.Wo, c.Cout});
      Tensor r = Tensor::empty(y.shape());
      kern::conv2d_forward_cpu<float>(d, x.data<float>(), w.data<float>(), b.data<float>(), y.data<float>());
      kern::conv2d_forward_reference<float>(d, x.data<float>(), w.data<float>(), b.data<float>(), r.data<float>());
      double max_err = 0;
      for (int64_t i = 0; i < y.numel(); ++i)
        max_err = std::max(max_err, double(std::abs(y.data<float>()[i] - r.data<float>()[i])));
      CHECK(max_err < 1e-4);
    }
  }
}

TEST_CASE("conv2d backward accumulates into existing gradients", "[conv][autograd]") {
  Rng rng(3);
  Var x(randn(Shape{1, 5, 5, 2}, rng), true);
  Var w(randn(Shape{3, 3, 3, 2}, rng), true);
  ops::conv2d(x, w, Var(), 2).backward(Tensor::full(Shape{1, 3, 3, 3}, 1.0));
  const auto gx1 = x.grad().to_vector<float>();
  const auto gw1 = w.grad().to_vector<float>();
  ops::conv2d(x, w, Var(), 2).backward(Tensor::full(Shape{1, 3, 3, 3}, 1.0));
  const auto gx2 = x.grad().to_vector<float>();
  const auto gw2 = w.grad().to_vector<float>();
  for (size_t i = 0; i < gx1.size(); ++i) CHECK_THAT(gx2[i], WithinAbs(2 * gx1[i], 1e-5));
  for (size_t i = 0; i < gw1.size(); ++i) CHECK_THAT(gw2[i], WithinAbs(2 * gw1[i], 1e-4));
}

TEST_CASE("conv2d rejects bad shapes with clear messages", "[conv][errors]") {
  Var x(Tensor::zeros(Shape{1, 4, 4, 3}));
  CHECK_THROWS_WITH(ops::conv2d(x, Var(Tensor::zeros(Shape{2, 3, 3, 4})), Var(), 1),
                    Catch::Contains("input channels"));
  CHECK_THROWS_WITH(ops::conv2d(x, Var(Tensor::zeros(Shape{2, 5, 5, 3})), Var(), 1),
                    Catch::Contains("K = 1 or 3"));
  CHECK_THROWS_WITH(ops::conv2d(x, Var(Tensor::zeros(Shape{2, 3, 3, 3})), Var(), 3),
                    Catch::Contains("stride"));
  CHECK_THROWS_WITH(ops::conv2d(x, Var(Tensor::zeros(Shape{2, 3, 3, 3}, DType::f64)), Var(), 1),
                    Catch::Contains("weight"));
  CHECK_THROWS_WITH(ops::conv2d(x, Var(Tensor::zeros(Shape{2, 3, 3, 3})), Var(Tensor::zeros(Shape{3})), 1),
                    Catch::Contains("bias"));
}
