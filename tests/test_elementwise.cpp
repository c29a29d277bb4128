#include <catch2/catch.hpp>

#include "engine/engine.h"

using namespace hr;

TEST_CASE("relu, add and add_relu by hand", "[elementwise]") {
  Var a(Tensor::from_vector<float>(Shape{4}, {-1, 0, 2, -3}));
  Var b(Tensor::from_vector<float>(Shape{4}, {2, -1, 1, 1}));
  CHECK(ops::relu(a).value().to_vector<float>() == std::vector<float>{0, 0, 2, 0});
  CHECK(ops::add(a, b).value().to_vector<float>() == std::vector<float>{1, -1, 3, -2});
  CHECK(ops::add_relu(a, b).value().to_vector<float>() == std::vector<float>{1, 0, 3, 0});
}

TEST_CASE("relu gradient is zero where the output is zero", "[elementwise]") {
  Var a(Tensor::from_vector<float>(Shape{3}, {-1, 0, 2}), true);
  ops::relu(a).backward(Tensor::full(Shape{3}, 1.0));
  CHECK(a.grad().to_vector<float>() == std::vector<float>{0, 0, 1});
}

TEST_CASE("add rejects mismatched shapes", "[elementwise][errors]") {
  Var a(Tensor::zeros(Shape{2, 3})), b(Tensor::zeros(Shape{3, 2}));
  CHECK_THROWS_WITH(ops::add(a, b), Catch::Contains("shapes differ"));
}

TEST_CASE("upsample_nearest copies each pixel into an f x f block", "[upsample]") {
  // 1x2x2x1 -> 1x4x4x1
  Var x(Tensor::from_vector<float>(Shape{1, 2, 2, 1}, {1, 2, 3, 4}), true);
  Var y = ops::upsample_nearest(x, 2);
  REQUIRE(y.shape() == Shape{1, 4, 4, 1});
  const std::vector<float> expected{1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4};
  CHECK(y.value().to_vector<float>() == expected);
  // Backward sums each block.
  std::vector<float> seed(16);
  for (int i = 0; i < 16; ++i) seed[i] = float(i);
  y.backward(Tensor::from_vector<float>(Shape{1, 4, 4, 1}, seed));
  CHECK(x.grad().to_vector<float>() == std::vector<float>{0 + 1 + 4 + 5, 2 + 3 + 6 + 7, 8 + 9 + 12 + 13, 10 + 11 + 14 + 15});
}

TEST_CASE("upsample_nearest keeps channels together (NHWC)", "[upsample]") {
  Var x(Tensor::from_vector<float>(Shape{1, 1, 1, 3}, {1, 2, 3}));
  const auto y = ops::upsample_nearest(x, 2).value().to_vector<float>();
  CHECK(y == std::vector<float>{1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3});
}
