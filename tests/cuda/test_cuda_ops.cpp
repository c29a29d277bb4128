// Every op with a CUDA implementation, forward and backward, against the CPU backend
// (ggml's test-backend-ops idea): odd sizes (9x7, 12x9 as HRNet's 1/32 maps at 384x288),
// stride 2, bias on and off, 1x1 convolutions through cuBLAS and through cuDNN.
#include <catch2/catch.hpp>

#include "engine/cuda/device.h"
#include "kernels/common/math_mode.h"
#include "kernels/conv/conv.h"
#include "tests/cuda/parity.h"

using namespace hr;
using hr::test::check_parity;
using hr::test::rel_max_diff;

// Elementwise results are exact; everything that sums (convolutions, batch norm) agrees to
// fp32 rounding in a different order.
constexpr double kExact = 1e-6, kSum = 2e-5;

TEST_CASE("CUDA elementwise ops match the CPU", "[cuda]") {
  Rng rng(4);
  const Shape s{2, 9, 7, 5};
  const Tensor a = randn(s, rng), b = randn(s, rng);
  check_parity("relu", [](const std::vector<Var>& v) { return ops::relu(v[0]); }, {a}, kExact);
  check_parity("add", [](const std::vector<Var>& v) { return ops::add(v[0], v[1]); }, {a, b}, kExact);
  check_parity("add_relu", [](const std::vector<Var>& v) { return ops::add_relu(v[0], v[1]); }, {a, b}, kExact);
  // A variable used twice exercises accumulate on the device.
  check_parity("add_relu twice", [](const std::vector<Var>& v) { return ops::add_relu(v[0], v[0]); }, {a}, kExact);
}

TEST_CASE("CUDA conv2d matches the CPU: K 1 and 3, stride 1 and 2, bias on and off, odd sizes", "[cuda]") {
  REQUIRE_FALSE(kern::cuda_tf32());  // parity needs plain fp32 math in cuDNN and cuBLAS
  Rng rng(11);
  struct Case { int N, H, W, Cin, Cout, K, stride; bool bias; };
  const Case cases[] = {
      {2, 9, 7, 5, 6, 3, 1, true},   {2, 9, 7, 5, 6, 3, 2, false}, {1, 12, 9, 8, 16, 3, 2, true},
      {2, 12, 9, 16, 8, 1, 1, true}, {2, 9, 7, 6, 4, 1, 1, false}, {1, 9, 7, 6, 4, 1, 2, true},
      {2, 16, 12, 3, 8, 3, 2, false},  // the stem: three input channels
  };
  for (const Case& c : cases) {
    const Tensor x = randn(Shape{c.N, c.H, c.W, c.Cin}, rng);
    const Tensor w = randn(Shape{c.Cout, c.K, c.K, c.Cin}, rng, 0.3);
    std::vector<Tensor> in{x, w};
    if (c.bias) in.push_back(randn(Shape{c.Cout}, rng));
    const int stride = c.stride;
    const bool bias = c.bias;
    check_parity(fmt::format("conv {}x{}x{}x{} -> {} K{} s{} bias {}", c.N, c.H, c.W, c.Cin, c.Cout, c.K, c.stride,
                             c.bias),
                 [stride, bias](const std::vector<Var>& v) {
                   return ops::conv2d(v[0], v[1], bias ? v[2] : Var(), stride);
                 },
                 in, kSum);
  }
}

// The backward passes must ADD to the gradient buffers (cuDNN and cuBLAS with beta 1, the bias
// sum with +=): with the input, weight and bias each used by two convolutions, a pass that
// overwrote would leave half of each gradient.
TEST_CASE("CUDA conv2d backward accumulates: input and weights used twice", "[cuda]") {
  Rng rng(13);
  struct Case { int Cin, Cout, K, stride; };
  for (const Case& c : {Case{5, 6, 3, 1}, Case{8, 4, 1, 1}, Case{6, 4, 1, 2}, Case{4, 8, 3, 2}}) {
    const Tensor x = randn(Shape{2, 9, 7, c.Cin}, rng);
    const Tensor w = randn(Shape{c.Cout, c.K, c.K, c.Cin}, rng, 0.3), b = randn(Shape{c.Cout}, rng);
    const int stride = c.stride;
    check_parity(fmt::format("conv twice {}->{} K{} s{}", c.Cin, c.Cout, c.K, c.stride),
                 [stride](const std::vector<Var>& v) {
                   return ops::add(ops::conv2d(v[0], v[1], v[2], stride), ops::conv2d(v[0], v[1], v[2], stride));
                 },
                 {x, w, b}, kSum);
  }
}

TEST_CASE("CUDA 1x1 convolutions agree between cuBLAS and cuDNN", "[cuda]") {
  Rng rng(12);
  const kern::ConvDesc d = kern::make_conv_desc(2, 12, 9, 16, 24, 1, 1);
  const Tensor x = randn(Shape{d.N, d.H, d.W, d.Cin}, rng).to(Device::CUDA);
  const Tensor w = randn(Shape{d.Cout, 1, 1, d.Cin}, rng).to(Device::CUDA);
  const Tensor dy = randn(Shape{d.N, d.Ho, d.Wo, d.Cout}, rng).to(Device::CUDA);
  auto run = [&](kern::ConvLib lib) {
    cuda::DeviceWorkspace ws;
    Tensor y = Tensor::empty(dy.shape(), DType::f32, Device::CUDA);
    Tensor dx = Tensor::zeros(x.shape(), DType::f32, Device::CUDA);
    Tensor dw = Tensor::zeros(w.shape(), DType::f32, Device::CUDA);
    kern::conv2d_forward_cuda(d, x.data<float>(), w.data<float>(), nullptr, y.data<float>(), ws, nullptr, lib);
    kern::conv2d_backward_data_cuda(d, dy.data<float>(), w.data<float>(), dx.data<float>(), ws, nullptr, lib);
    kern::conv2d_backward_weight_cuda(d, x.data<float>(), dy.data<float>(), dw.data<float>(), nullptr, ws, nullptr,
                                      lib);
    return std::vector<Tensor>{y, dx, dw};
  };
  const auto a = run(kern::ConvLib::Cublas), b = run(kern::ConvLib::Cudnn);
  for (int i = 0; i < 3; ++i) CHECK(rel_max_diff(a[i], b[i]) < kSum);
  // cuBLAS takes only 1x1 stride-1 convolutions, and says which shape it was given.
  const kern::ConvDesc d3 = kern::make_conv_desc(1, 9, 7, 4, 4, 3, 1);
  cuda::DeviceWorkspace ws;
  CHECK_THROWS_WITH(kern::conv2d_forward_cuda(d3, x.data<float>(), w.data<float>(), nullptr, nullptr, ws, nullptr,
                                              kern::ConvLib::Cublas),
                    Catch::Contains("[1, 9, 7, 4]"));
}

TEST_CASE("CUDA batch norm matches the CPU in training and eval, running statistics included", "[cuda]") {
  Rng rng(5);
  for (const Shape& s : {Shape{2, 9, 7, 5}, Shape{3, 12, 9, 40}}) {
    const int C = int(s[3]);
    const Tensor x = randn(s, rng, 2.0), g = rand_uniform(Shape{C}, rng, 0.5, 1.5), b = randn(Shape{C}, rng);
    const Tensor rm0 = randn(Shape{C}, rng), rv0 = rand_uniform(Shape{C}, rng, 0.5, 2.0);
    for (bool training : {true, false}) {
      Tensor rm_c = rm0.clone(), rv_c = rv0.clone();
      Tensor rm_g = rm0.to(Device::CUDA), rv_g = rv0.to(Device::CUDA);
      int call = 0;
      check_parity(fmt::format("batch_norm {} training {}", s.str(), training),
                   [&](const std::vector<Var>& v) {
                     const bool gpu = call++ == 1;  // check_parity runs the CPU first
                     return ops::batch_norm(v[0], v[1], v[2], gpu ? rm_g : rm_c, gpu ? rv_g : rv_c, training, 0.1,
                                            1e-5);
                   },
                   {x, g, b}, kSum);
      CHECK(rel_max_diff(rm_c, rm_g) < kSum);
      CHECK(rel_max_diff(rv_c, rv_g) < kSum);
      if (training) CHECK(rel_max_diff(rm0, rm_c) > 1e-3);  // the statistics did move
    }
  }
}

TEST_CASE("CUDA batch_norm_act (BN + residual + ReLU fused) matches the CPU", "[cuda]") {
  Rng rng(15);
  const Shape s{3, 12, 9, 40};
  const int C = int(s[3]);
  const Tensor x = randn(s, rng, 2.0), r = randn(s, rng), g = rand_uniform(Shape{C}, rng, 0.5, 1.5),
               b = randn(Shape{C}, rng);
  const Tensor rm0 = randn(Shape{C}, rng), rv0 = rand_uniform(Shape{C}, rng, 0.5, 2.0);
  for (bool training : {true, false})
    for (bool with_residual : {false, true}) {
      Tensor rm_c = rm0.clone(), rv_c = rv0.clone();
      Tensor rm_g = rm0.to(Device::CUDA), rv_g = rv0.to(Device::CUDA);
      int call = 0;
      std::vector<Tensor> in{x, g, b};
      if (with_residual) in.push_back(r);
      check_parity(fmt::format("batch_norm_act training {} residual {}", training, with_residual),
                   [&](const std::vector<Var>& v) {
                     const bool gpu = call++ == 1;  // check_parity runs the CPU first
                     return ops::batch_norm_act(v[0], v[1], v[2], gpu ? rm_g : rm_c, gpu ? rv_g : rv_c, training,
                                                0.1, 1e-5, with_residual ? v[3] : Var(), true);
                   },
                   in, kSum);
      CHECK(rel_max_diff(rm_c, rm_g) < kSum);
    }
}

TEST_CASE("CUDA batch_norm_relu_conv2d: the unfused pair's bits on the device, the CPU's within rounding", "[cuda]") {
  Rng rng(16);
  const Shape s{2, 12, 9, 24};
  const int C = int(s[3]);
  const Tensor x = randn(s, rng, 2.0), g = rand_uniform(Shape{C}, rng, 0.5, 1.5), b = randn(Shape{C}, rng);
  const Tensor w = randn(Shape{16, 3, 3, C}, rng, 0.1), bias = randn(Shape{16}, rng);
  for (int stride : {1, 2}) {
    // Fused against batch_norm_act + conv2d, both on the GPU: the same kernels in the same
    // order, so the same bits (the recompute is the training forward's own apply step).
    auto run = [&](bool fused) {
      Var xv(x.to(Device::CUDA), true), gv(g.to(Device::CUDA), true), bv(b.to(Device::CUDA), true),
          wv(w.to(Device::CUDA), true), biasv(bias.to(Device::CUDA), true);
      Tensor rm = Tensor::zeros(Shape{C}, DType::f32, Device::CUDA), rv = Tensor::full(Shape{C}, 1.0).to(Device::CUDA);
      const Var y = fused ? ops::batch_norm_relu_conv2d(xv, gv, bv, rm, rv, 0.1, 1e-5, wv, biasv, stride)
                          : ops::conv2d(ops::batch_norm_act(xv, gv, bv, rm, rv, true, 0.1, 1e-5, Var(), true), wv,
                                        biasv, stride);
      Rng seed(17);
      y.backward(randn(y.shape(), seed).to(Device::CUDA));
      return std::vector<Tensor>{y.value(), xv.grad(), gv.grad(), bv.grad(), wv.grad(), biasv.grad(), rm, rv};
    };
    const std::vector<Tensor> f = run(true), u = run(false);
    for (size_t i = 0; i < f.size(); ++i) {
      INFO("stride " << stride << " result " << i);
      CHECK(f[i].to(Device::CPU).to_vector<float>() == u[i].to(Device::CPU).to_vector<float>());
    }
    // And the CPU within the usual BN + conv parity.
    Tensor rm_c = Tensor::zeros(Shape{C}), rv_c = Tensor::full(Shape{C}, 1.0);
    Tensor rm_g = rm_c.to(Device::CUDA), rv_g = rv_c.to(Device::CUDA);
    int call = 0;
    check_parity(fmt::format("batch_norm_relu_conv2d stride {}", stride),
                 [&](const std::vector<Var>& v) {
                   const bool gpu = call++ == 1;  // check_parity runs the CPU first
                   return ops::batch_norm_relu_conv2d(v[0], v[1], v[2], gpu ? rm_g : rm_c, gpu ? rv_g : rv_c, 0.1,
                                                      1e-5, v[3], v[4], stride);
                 },
                 {x, g, b, w, bias}, 1e-4);  // the conv's sums feed the BN's: looser than kSum
  }
}

TEST_CASE("CUDA upsample_nearest matches the CPU", "[cuda]") {
  Rng rng(6);
  for (int f : {2, 4, 8}) {
    const Tensor x = randn(Shape{2, 3, 5, 7}, rng);
    check_parity(fmt::format("upsample x{}", f),
                 [f](const std::vector<Var>& v) { return ops::upsample_nearest(v[0], f); }, {x}, kExact);
  }
}

TEST_CASE("CUDA joints_mse_loss matches the CPU, with and without target weights", "[cuda]") {
  Rng rng(7);
  const Tensor pred = randn(Shape{3, 12, 9, 17}, rng), target = rand_uniform(Shape{3, 12, 9, 17}, rng, 0.0, 1.0);
  Tensor weight = rand_uniform(Shape{3, 17, 1}, rng, 0.0, 1.0);
  weight.data<float>()[4] = 0.0f;  // an invisible joint
  for (bool use : {true, false}) {
    const Tensor tg = target.to(Device::CUDA), wg = weight.to(Device::CUDA);
    int call = 0;
    check_parity(fmt::format("joints_mse_loss use_target_weight {}", use),
                 [&](const std::vector<Var>& v) {
                   const bool gpu = call++ == 1;
                   return ops::joints_mse_loss(v[0], gpu ? tg : target, gpu ? wg : weight, use);
                 },
                 {pred}, kSum);
  }
}
