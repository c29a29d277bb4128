#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>

#include "engine/engine.h"

using namespace hr;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

TEST_CASE("batch_norm training: batch statistics by hand", "[batchnorm]") {
  // One channel, values 1..4: mean 2.5, biased var 1.25, unbiased var 5/3.
  Var x(Tensor::from_vector<double>(Shape{1, 2, 2, 1}, {1, 2, 3, 4}));
  Var g(Tensor::full(Shape{1}, 2.0, DType::f64)), b(Tensor::full(Shape{1}, 0.5, DType::f64));
  Tensor rm = Tensor::zeros(Shape{1}, DType::f64), rv = Tensor::full(Shape{1}, 1.0, DType::f64);
  const auto y = ops::batch_norm(x, g, b, rm, rv, true).value().to_vector<double>();
  const double inv = 1.0 / std::sqrt(1.25 + 1e-5);
  for (int i = 0; i < 4; ++i) CHECK_THAT(y[i], WithinAbs((i + 1 - 2.5) * inv * 2.0 + 0.5, 1e-12));
  // PyTorch: running_mean = 0.9*0 + 0.1*2.5; running_var = 0.9*1 + 0.1*(5/3)
  CHECK_THAT(rm.item(), WithinAbs(0.25, 1e-12));
  CHECK_THAT(rv.item(), WithinAbs(0.9 + 0.1 * 5.0 / 3.0, 1e-12));
}

TEST_CASE("batch_norm eval uses running statistics and leaves them alone", "[batchnorm]") {
  Var x(Tensor::from_vector<float>(Shape{1, 1, 2, 2}, {1, 2, 3, 4}));  // two channels
  Var g(Tensor::from_vector<float>(Shape{2}, {1, 2})), b(Tensor::from_vector<float>(Shape{2}, {0, 1}));
  Tensor rm = Tensor::from_vector<float>(Shape{2}, {1, 2});
  Tensor rv = Tensor::from_vector<float>(Shape{2}, {4, 1});
  const auto y = ops::batch_norm(x, g, b, rm, rv, false).value().to_vector<float>();
  // channel 0: (x-1)/sqrt(4+eps); channel 1: (x-2)/sqrt(1+eps)*2+1
  CHECK_THAT(y[0], WithinAbs(0.0, 1e-6));
  CHECK_THAT(y[1], WithinAbs(1.0, 1e-5));
  CHECK_THAT(y[2], WithinAbs(1.0, 1e-5));
  CHECK_THAT(y[3], WithinAbs(5.0, 1e-4));
  CHECK(rm.to_vector<float>() == std::vector<float>{1, 2});
  CHECK(rv.to_vector<float>() == std::vector<float>{4, 1});
}

TEST_CASE("batch_norm statistics are stable for large offsets", "[batchnorm]") {
  // x = 1e4 + small noise: a one-pass E[x^2]-E[x]^2 in float would lose the variance.
  Rng rng(5);
  Tensor xt = randn(Shape{4, 16, 16, 3}, rng, 0.01);
  for (int64_t i = 0; i < xt.numel(); ++i) xt.data<float>()[i] += 1e4f;
  double mean = 0, var = 0;
  for (int64_t i = 0; i < xt.numel(); i += 3) mean += xt.data<float>()[i];
  mean /= xt.numel() / 3;
  for (int64_t i = 0; i < xt.numel(); i += 3) var += std::pow(xt.data<float>()[i] - mean, 2);
  var /= xt.numel() / 3;
  Tensor rm = Tensor::zeros(Shape{3}), rv = Tensor::zeros(Shape{3});
  Var g(Tensor::full(Shape{3}, 1.0)), b(Tensor::zeros(Shape{3}));
  ops::batch_norm(Var(xt), g, b, rm, rv, true, /*momentum=*/1.0);
  const double n = xt.numel() / 3;
  CHECK_THAT(double(rv.to_vector<float>()[0]), WithinRel(var * n / (n - 1), 1e-3));
}

TEST_CASE("BatchNorm2d obeys the module's training flag", "[batchnorm][module]") {
  BatchNorm2d bn(2);
  Rng rng(6);
  Var x(randn(Shape{2, 3, 3, 2}, rng, 3.0));
  bn.train();
  bn.forward(x);
  CHECK(bn.num_batches_tracked().item() == 1);
  const auto rm_after_train = bn.running_mean().to_vector<float>();
  CHECK(rm_after_train[0] != 0.0f);
  bn.eval();
  bn.forward(x);
  CHECK(bn.running_mean().to_vector<float>() == rm_after_train);
  CHECK(bn.num_batches_tracked().item() == 1);
}

TEST_CASE("batch_norm errors name the tensor", "[batchnorm][errors]") {
  Var x(Tensor::zeros(Shape{1, 1, 1, 2}));
  Var g(Tensor::zeros(Shape{2})), b(Tensor::zeros(Shape{2}));
  Tensor rm = Tensor::zeros(Shape{2}), rv = Tensor::zeros(Shape{3});
  CHECK_THROWS_WITH(ops::batch_norm(x, g, b, rm, rv, false), Catch::Contains("running_var"));
  Tensor rv2 = Tensor::zeros(Shape{2});
  CHECK_THROWS_WITH(ops::batch_norm(x, g, b, rm, rv2, true), Catch::Contains("more than one value"));
}

namespace {
// Same bits, NaN included: the fused op must reproduce the unfused sequence exactly.
template <typename T>
bool same_bits(const Tensor& a, const Tensor& b) {
  if (a.shape() != b.shape()) return false;
  return std::memcmp(a.data<T>(), b.data<T>(), size_t(a.numel()) * sizeof(T)) == 0;
}

template <typename T>
void check_fused_equals_unfused(DType dt, bool training, bool with_residual, bool relu) {
  INFO("dtype " << (dt == DType::f32 ? "f32" : "f64") << " training " << training << " residual " << with_residual
                << " relu " << relu);
  Rng rng(31);
  const Shape s{2, 9, 7, 5};
  Tensor x = randn(s, rng, 2.0, dt), res = randn(s, rng, 1.0, dt), seed = randn(s, rng, 1.0, dt);
  Tensor g = randn(Shape{5}, rng, 1.0, dt), b = randn(Shape{5}, rng, 1.0, dt);
  Tensor rm0 = randn(Shape{5}, rng, 0.1, dt), rv0 = Tensor::full(Shape{5}, 1.5, dt);
  struct Run {
    Tensor y, dx, dg, db, dres, rm, rv;
  };
  auto run = [&](bool fused) {
    Var xv(x.clone(), true), gv(g.clone(), true), bv(b.clone(), true), rv(res.clone(), true);
    Tensor rm = rm0.clone(), rvar = rv0.clone();
    Var y;
    if (fused) {
      y = ops::batch_norm_act(xv, gv, bv, rm, rvar, training, 0.1, 1e-5, with_residual ? rv : Var(), relu);
    } else {
      y = ops::batch_norm(xv, gv, bv, rm, rvar, training);
      if (with_residual) y = relu ? ops::add_relu(y, rv) : ops::add(y, rv);
      else if (relu) y = ops::relu(y);
    }
    y.backward(seed);
    return Run{y.value(), xv.grad(), gv.grad(), bv.grad(), with_residual ? rv.grad() : Tensor(), rm, rvar};
  };
  const Run f = run(true), u = run(false);
  CHECK(same_bits<T>(f.y, u.y));
  CHECK(same_bits<T>(f.dx, u.dx));
  CHECK(same_bits<T>(f.dg, u.dg));
  CHECK(same_bits<T>(f.db, u.db));
  if (with_residual) CHECK(same_bits<T>(f.dres, u.dres));
  CHECK(same_bits<T>(f.rm, u.rm));
  CHECK(same_bits<T>(f.rv, u.rv));
  if (relu) {  // the ReLU really ran: a good share of the outputs are clamped to 0
    int64_t zeros = 0;
    for (T v : f.y.template to_vector<T>()) zeros += v == T(0);
    CHECK(zeros > f.y.numel() / 5);
  }
}
}  // namespace

TEST_CASE("batch_norm_act equals batch_norm, add and relu in sequence, bit for bit", "[batchnorm][fusion]") {
  for (bool training : {true, false})
    for (bool with_residual : {false, true})
      for (bool relu : {false, true}) {
        check_fused_equals_unfused<float>(DType::f32, training, with_residual, relu);
        check_fused_equals_unfused<double>(DType::f64, training, with_residual, relu);
      }
}

namespace {
template <typename T>
void check_bn_relu_conv(DType dt, int K, int stride, bool with_bias) {
  INFO("dtype " << (dt == DType::f32 ? "f32" : "f64") << " K " << K << " stride " << stride << " bias " << with_bias);
  Rng rng(37);
  const Shape s{2, 9, 7, 5};
  const Tensor x = randn(s, rng, 2.0, dt), g = randn(Shape{5}, rng, 1.0, dt), b = randn(Shape{5}, rng, 1.0, dt);
  const Tensor w = randn(Shape{6, K, K, 5}, rng, 0.3, dt), bias = randn(Shape{6}, rng, 1.0, dt);
  const Tensor rm0 = randn(Shape{5}, rng, 0.1, dt), rv0 = Tensor::full(Shape{5}, 1.5, dt);
  struct Run {
    Tensor y, dx, dg, db, dw, dbias, rm, rv;
  };
  auto run = [&](bool fused) {
    Var xv(x.clone(), true), gv(g.clone(), true), bv(b.clone(), true), wv(w.clone(), true),
        biasv = with_bias ? Var(bias.clone(), true) : Var();
    Tensor rm = rm0.clone(), rvar = rv0.clone();
    const Var y = fused ? ops::batch_norm_relu_conv2d(xv, gv, bv, rm, rvar, 0.1, 1e-5, wv, biasv, stride)
                        : ops::conv2d(ops::batch_norm_act(xv, gv, bv, rm, rvar, true, 0.1, 1e-5, Var(), true), wv,
                                      biasv, stride);
    Rng seed_rng(38);
    y.backward(randn(y.shape(), seed_rng, 1.0, dt));
    return Run{y.value(), xv.grad(), gv.grad(), bv.grad(), wv.grad(), with_bias ? biasv.grad() : Tensor(), rm, rvar};
  };
  const Run f = run(true), u = run(false);
  CHECK(same_bits<T>(f.y, u.y));
  CHECK(same_bits<T>(f.dx, u.dx));
  CHECK(same_bits<T>(f.dg, u.dg));
  CHECK(same_bits<T>(f.db, u.db));
  CHECK(same_bits<T>(f.dw, u.dw));
  if (with_bias) CHECK(same_bits<T>(f.dbias, u.dbias));
  CHECK(same_bits<T>(f.rm, u.rm));
  CHECK(same_bits<T>(f.rv, u.rv));
}
}  // namespace

TEST_CASE("batch_norm_relu_conv2d equals batch_norm_act + conv2d, bit for bit, without keeping the BN output",
          "[batchnorm][fusion]") {
  for (int K : {1, 3})
    for (int stride : {1, 2})
      for (bool with_bias : {false, true}) {
        check_bn_relu_conv<float>(DType::f32, K, stride, with_bias);
        check_bn_relu_conv<double>(DType::f64, K, stride, with_bias);
      }
  // What stays alive until the backward (host_memory_stats counts live CPU storage): the
  // unfused pair keeps the BN + ReLU output, the fused op only the inputs it already had.
  Rng rng(39);
  const Shape s{2, 9, 7, 5};
  Var xv(randn(s, rng), true), gv(randn(Shape{5}, rng), true), bv(randn(Shape{5}, rng), true),
      wv(randn(Shape{6, 3, 3, 5}, rng, 0.3), true);
  Tensor rm = Tensor::zeros(Shape{5}), rv = Tensor::full(Shape{5}, 1.0);
  const int64_t before = host_memory_stats().in_use;
  Var y = ops::batch_norm_relu_conv2d(xv, gv, bv, rm, rv, 0.1, 1e-5, wv, Var(), 1);
  const int64_t fused = host_memory_stats().in_use - before;
  y = Var();
  current_tape().clear();
  const int64_t before2 = host_memory_stats().in_use;
  Var y2 = ops::conv2d(ops::batch_norm_act(xv, gv, bv, rm, rv, true, 0.1, 1e-5, Var(), true), wv, Var(), 1);
  const int64_t unfused = host_memory_stats().in_use - before2;
  // The fused node keeps its own copies of gamma and beta ([5] each) instead.
  CHECK(unfused - fused >= int64_t(s.numel() * sizeof(float)) - int64_t(2 * 5 * sizeof(float)));
  current_tape().clear();
}

TEST_CASE("batch_norm_act: a residual of the wrong shape is named", "[batchnorm][errors]") {
  Var x(Tensor::zeros(Shape{1, 2, 2, 2})), r(Tensor::zeros(Shape{1, 2, 2, 3}));
  Var g(Tensor::zeros(Shape{2})), b(Tensor::zeros(Shape{2}));
  Tensor rm = Tensor::zeros(Shape{2}), rv = Tensor::full(Shape{2}, 1.0);
  CHECK_THROWS_WITH(ops::batch_norm_act(x, g, b, rm, rv, true, 0.1, 1e-5, r, true),
                    Catch::Contains("residual") && Catch::Contains("[1, 2, 2, 3]"));
}
