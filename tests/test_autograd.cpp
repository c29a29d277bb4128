#include <catch2/catch.hpp>

#include "engine/engine.h"

using namespace hr;

TEST_CASE("a variable used twice receives both gradients", "[autograd]") {
  Var x(Tensor::from_vector<float>(Shape{3}, {1, -2, 3}), true);
  Var y = ops::add(x, x);  // y = 2x
  Var z = ops::add(y, x);  // z = 3x
  z.backward(Tensor::full(Shape{3}, 1.0));
  CHECK(x.grad().to_vector<float>() == std::vector<float>{3, 3, 3});
}

TEST_CASE("gradients accumulate across backward calls until zero_grad", "[autograd]") {
  Var x(Tensor::from_vector<float>(Shape{2}, {1, 2}), true);
  ops::relu(x).backward(Tensor::full(Shape{2}, 1.0));
  ops::relu(x).backward(Tensor::full(Shape{2}, 1.0));
  CHECK(x.grad().to_vector<float>() == std::vector<float>{2, 2});
  x.zero_grad();
  CHECK_FALSE(x.grad().defined());
  ops::relu(x).backward(Tensor::full(Shape{2}, 1.0));
  CHECK(x.grad().to_vector<float>() == std::vector<float>{1, 1});
}

TEST_CASE("no-grad scope records nothing", "[autograd]") {
  Var x(Tensor::full(Shape{2}, 1.0), true);
  current_tape().clear();
  {
    NoGradGuard g;
    CHECK_FALSE(grad_enabled());
    Var y = ops::relu(x);
    CHECK_FALSE(y.requires_grad());
    CHECK(current_tape().size() == 0);
    CHECK_THROWS_WITH(y.backward(Tensor::full(Shape{2}, 1.0)), Catch::Contains("does not require grad"));
  }
  CHECK(grad_enabled());
  Var y = ops::relu(x);
  CHECK(y.requires_grad());
  CHECK(current_tape().size() == 1);
  y.backward(Tensor::full(Shape{2}, 1.0));
  CHECK(current_tape().size() == 0);  // the tape is consumed by backward
}

TEST_CASE("inputs that do not require grad get none", "[autograd]") {
  Var a(Tensor::full(Shape{2}, 1.0), true);
  Var b(Tensor::full(Shape{2}, 1.0), false);
  ops::add(a, b).backward(Tensor::full(Shape{2}, 1.0));
  CHECK(a.grad().defined());
  CHECK_FALSE(b.grad().defined());
}

TEST_CASE("intermediate gradients are released after use", "[autograd]") {
  Var x(Tensor::full(Shape{4}, 1.0), true);
  Var h = ops::relu(x);
  Var y = ops::relu(h);
  y.backward(Tensor::full(Shape{4}, 1.0));
  CHECK_FALSE(h.grad().defined());
  CHECK(x.grad().defined());
}

TEST_CASE("backward without seed needs a scalar", "[autograd][errors]") {
  Var x(Tensor::full(Shape{2}, 1.0), true);
  CHECK_THROWS_WITH(ops::relu(x).backward(), Catch::Contains("one-element"));
  current_tape().clear();
}

TEST_CASE("a branch that does not reach the loss is skipped", "[autograd]") {
  Var x(Tensor::full(Shape{2}, 1.0), true);
  Var unused = ops::relu(x);  // recorded, but its output gets no gradient
  Var y = ops::add(x, x);
  y.backward(Tensor::full(Shape{2}, 1.0));
  CHECK(x.grad().to_vector<float>() == std::vector<float>{2, 2});
}
