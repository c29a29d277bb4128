// The native implicit-GEMM convolutions and the mma fragment layouts on a real GPU, against
// the CPU grid emulator running the same block bodies (tests/kernels/test_conv_native.cpp) and
// against the cuDNN baseline.
//   f32 path: the GPU and the emulator compute the same ordered fmaf chains: equal bits.
//   bf16 path: the same bf16 operands; the tensor cores sum each mma's 16 products in their
//   own order and width, the emulator exactly: agreement to accumulation rounding.
#include <catch2/catch.hpp>
#include <cuda_runtime.h>

#include <cmath>
#include <vector>

#include "engine/cuda/device.h"
#include "kernels/common/conv_describe.h"
#include "kernels/common/math_mode.h"
#include "kernels/conv/conv.h"
#include "kernels/conv_native/conv_native.h"
#include "kernels/emu/mma_probe.h"
#include "tests/support/random_floats.h"
#include "tests/cuda/parity.h"

using namespace hr;
using test::random_floats;
using kern::ConvDesc;
using kern::NativeMath;

namespace {

Tensor on_gpu(const std::vector<float>& v) { return Tensor::from_vector(Shape{int64_t(v.size())}, v).to(Device::CUDA); }
std::vector<float> on_host(const Tensor& t) { return t.to(Device::CPU).to_vector<float>(); }

// ||a - b|| / ||b||
double rel_l2(const std::vector<float>& a, const std::vector<float>& b) {
  double d = 0, n = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    d += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
    n += double(b[i]) * b[i];
  }
  return std::sqrt(d) / (std::sqrt(n) + 1e-30);
}

}  // namespace

TEST_CASE("CUDA mma.sync agrees with the emulated fragment layouts", "[cuda]") {
  Rng rng(61);
  const auto A = random_floats(16 * 16, rng), B = random_floats(16 * 8, rng), C = random_floats(16 * 8, rng);
  std::vector<float> expect(16 * 8);
  kern::mma_probe_emu(A.data(), B.data(), C.data(), expect.data());
  const Tensor a = on_gpu(A), b = on_gpu(B), c = on_gpu(C);
  Tensor d = Tensor::empty(Shape{16 * 8}, DType::f32, Device::CUDA);
  kern::mma_probe_cuda(a.data<float>(), b.data<float>(), c.data<float>(), d.data<float>(), cuda::compute_stream());
  const std::vector<float> got = on_host(d);
  // A wrong layout moves whole products around (errors of order 1); the tensor cores' own
  // summation differs from the exact one by a few float ulps of the 16-term sums.
  for (size_t i = 0; i < got.size(); ++i) {
    INFO("element " << i);
    CHECK(std::abs(got[i] - expect[i]) < 1e-5);
  }
}

TEST_CASE("CUDA ldmatrix.x4 moves the words the emulated one does", "[cuda]") {
  std::vector<uint32_t> in(128), expect(128);
  for (uint32_t i = 0; i < 128; ++i) in[i] = 0x10000u * i + 7u;
  kern::ldmatrix_probe_emu(in.data(), expect.data());
  uint32_t *din = nullptr, *dout = nullptr;
  REQUIRE(cudaMalloc(&din, 128 * 4) == cudaSuccess);
  REQUIRE(cudaMalloc(&dout, 128 * 4) == cudaSuccess);
  REQUIRE(cudaMemcpy(din, in.data(), 128 * 4, cudaMemcpyHostToDevice) == cudaSuccess);
  kern::ldmatrix_probe_cuda(din, dout, cuda::compute_stream());
  std::vector<uint32_t> got(128);
  REQUIRE(cudaMemcpy(got.data(), dout, 128 * 4, cudaMemcpyDeviceToHost) == cudaSuccess);
  cudaFree(din);
  cudaFree(dout);
  CHECK(got == expect);
}

TEST_CASE("CUDA native convolutions equal the emulator (f32 bits, bf16 rounding)", "[cuda]") {
  Rng rng(62);
  const ConvDesc cases[] = {kern::make_conv_desc(1, 5, 7, 3, 5, 3, 2), kern::make_conv_desc(1, 12, 9, 19, 33, 3, 2),
                            kern::make_conv_desc(1, 8, 6, 40, 70, 3, 1), kern::make_conv_desc(2, 6, 5, 17, 9, 1, 1)};
  for (const ConvDesc& d : cases)
    for (NativeMath math : {NativeMath::F32, NativeMath::BF16, NativeMath::BF16Pipelined}) {
      INFO(kern::describe_conv(d) << " " << kern::native_math_name(math));
      const auto x = random_floats(size_t(d.in_elems()), rng), w = random_floats(size_t(d.weight_elems()), rng);
      const auto dy = random_floats(size_t(d.out_elems()), rng);
      const auto dx0 = random_floats(size_t(d.in_elems()), rng), dw0 = random_floats(size_t(d.weight_elems()), rng);
      std::vector<float> y(size_t(d.out_elems())), dx = dx0, dw = dw0;
      kern::conv_native_forward_emu(d, x.data(), w.data(), y.data(), math);
      kern::conv_native_backward_data_emu(d, dy.data(), w.data(), dx.data(), math);
      kern::conv_native_backward_weight_emu(d, x.data(), dy.data(), dw.data(), math, 3);

      const Tensor xg = on_gpu(x), wg = on_gpu(w), dyg = on_gpu(dy);
      Tensor yg = Tensor::empty(Shape{int64_t(y.size())}, DType::f32, Device::CUDA);
      Tensor dxg = on_gpu(dx0), dwg = on_gpu(dw0);
      cuda::DeviceWorkspace ws;
      const kern::Stream s = cuda::compute_stream();
      kern::conv_native_forward_cuda(d, xg.data<float>(), wg.data<float>(), yg.data<float>(), math, s);
      kern::conv_native_backward_data_cuda(d, dyg.data<float>(), wg.data<float>(), dxg.data<float>(), math, s);
      kern::conv_native_backward_weight_cuda(d, xg.data<float>(), dyg.data<float>(), dwg.data<float>(), math, ws, s,
                                             3);
      if (math == NativeMath::F32) {
        CHECK(on_host(yg) == y);
        CHECK(on_host(dxg) == dx);
        CHECK(on_host(dwg) == dw);
      } else {
        CHECK(rel_l2(on_host(yg), y) < 1e-5);
        CHECK(rel_l2(on_host(dxg), dx) < 1e-5);
        CHECK(rel_l2(on_host(dwg), dw) < 1e-5);
      }
    }
}

TEST_CASE("CUDA native convolutions match cuDNN on HRNet layer shapes", "[cuda]") {
  // The f32 tolerance is for an fp32 baseline: TF32 (HRNET_TF32=1) would make cuDNN's own
  // error ~1e-3.
  const bool tf32 = kern::set_cuda_tf32(false);
  Rng rng(63);
  // Batch 4 of W32 at 256x192: the stem, a branch-1 3x3, a stride-2 down path, the 8x6 end
  // of branch 4, and a 1x1 up path.
  const ConvDesc cases[] = {kern::make_conv_desc(4, 256, 192, 3, 64, 3, 2), kern::make_conv_desc(4, 64, 48, 32, 32, 3, 1),
                            kern::make_conv_desc(4, 64, 48, 32, 64, 3, 2), kern::make_conv_desc(4, 8, 6, 256, 256, 3, 1),
                            kern::make_conv_desc(4, 16, 12, 128, 32, 1, 1)};
  for (const ConvDesc& d : cases) {
    const Tensor x = randn(Shape{d.N, d.H, d.W, d.Cin}, rng).to(Device::CUDA);
    const Tensor w = randn(Shape{d.Cout, d.K, d.K, d.Cin}, rng, 0.1).to(Device::CUDA);
    const Tensor dy = randn(Shape{d.N, d.Ho, d.Wo, d.Cout}, rng).to(Device::CUDA);
    cuda::DeviceWorkspace ws;
    const kern::Stream s = cuda::compute_stream();
    Tensor y_ref = Tensor::empty(dy.shape(), DType::f32, Device::CUDA);
    Tensor dx_ref = Tensor::zeros(x.shape(), DType::f32, Device::CUDA), dw_ref = Tensor::zeros(w.shape(), DType::f32, Device::CUDA);
    kern::conv2d_forward_cuda(d, x.data<float>(), w.data<float>(), nullptr, y_ref.data<float>(), ws, s);
    kern::conv2d_backward_data_cuda(d, dy.data<float>(), w.data<float>(), dx_ref.data<float>(), ws, s);
    kern::conv2d_backward_weight_cuda(d, x.data<float>(), dy.data<float>(), dw_ref.data<float>(), nullptr, ws, s);
    for (NativeMath math : {NativeMath::F32, NativeMath::BF16, NativeMath::BF16Pipelined}) {
      INFO(kern::describe_conv(d) << " " << kern::native_math_name(math));
      Tensor y = Tensor::empty(dy.shape(), DType::f32, Device::CUDA);
      Tensor dx = Tensor::zeros(x.shape(), DType::f32, Device::CUDA), dw = Tensor::zeros(w.shape(), DType::f32, Device::CUDA);
      kern::conv_native_forward_cuda(d, x.data<float>(), w.data<float>(), y.data<float>(), math, s);
      kern::conv_native_backward_data_cuda(d, dy.data<float>(), w.data<float>(), dx.data<float>(), math, s);
      kern::conv_native_backward_weight_cuda(d, x.data<float>(), dy.data<float>(), dw.data<float>(), math, ws, s);
      // f32: sums of up to 9 * 256 (forward) or 98304 (weight gradient) products in another
      // order than cuDNN's; bf16: operands with 8-bit mantissas.
      const double tol = math == NativeMath::F32 ? 5e-5 : 1e-2;
      CHECK(test::rel_l2_diff(y_ref, y) < tol);
      CHECK(test::rel_l2_diff(dx_ref, dx) < tol);
      CHECK(test::rel_l2_diff(dw_ref, dw) < tol);
    }
  }
  kern::set_cuda_tf32(tf32);
}

TEST_CASE("CUDA native forward with fused BN statistics equals the emulator", "[cuda]") {
  Rng rng(64);
  const ConvDesc d = kern::make_conv_desc(2, 12, 9, 19, 70, 3, 2);
  const auto x = random_floats(size_t(d.in_elems()), rng), w = random_floats(size_t(d.weight_elems()), rng);
  for (NativeMath math : {NativeMath::F32, NativeMath::BF16, NativeMath::BF16Pipelined}) {
    INFO(kern::native_math_name(math));
    std::vector<float> y(size_t(d.out_elems()));
    std::vector<double> mean(size_t(d.Cout)), var(size_t(d.Cout));
    kern::conv_native_forward_stats_emu(d, x.data(), w.data(), y.data(), math, mean.data(), var.data());
    const Tensor xg = on_gpu(x), wg = on_gpu(w);
    Tensor yg = Tensor::empty(Shape{int64_t(y.size())}, DType::f32, Device::CUDA);
    Tensor mv = Tensor::empty(Shape{2 * d.Cout}, DType::f64, Device::CUDA);
    cuda::DeviceWorkspace ws;
    kern::conv_native_forward_stats_cuda(d, xg.data<float>(), wg.data<float>(), yg.data<float>(), math,
                                         mv.data<double>(), mv.data<double>() + d.Cout, ws, cuda::compute_stream());
    const std::vector<double> got = mv.to(Device::CPU).to_vector<double>();
    for (int c = 0; c < d.Cout; ++c) {
      // Double sums of the same values in the same order; only nvcc's DFMA contraction differs.
      CHECK(std::abs(got[size_t(c)] - mean[size_t(c)]) < 1e-10 * (std::abs(mean[size_t(c)]) + 1.0));
      CHECK(std::abs(got[size_t(d.Cout + c)] - var[size_t(c)]) < 1e-10 * var[size_t(c)]);
    }
    if (math == NativeMath::F32) CHECK(on_host(yg) == y);
  }
}
