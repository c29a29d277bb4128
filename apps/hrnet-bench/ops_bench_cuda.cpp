#include "ops_bench_cuda.h"

#include <fmt/core.h>

#include <algorithm>
#include <cstdio>

#include "engine/cuda/device.h"
#include "engine/cuda/timing.h"
#include "engine/engine.h"
#include "kernels/common/math_mode.h"
#include "kernels/conv/conv.h"

namespace hr::bench {
namespace {

using kern::ConvLib;

double rel_err(const Tensor& ref, const Tensor& got) {
  const auto a = ref.to_vector<float>(), b = got.to_vector<float>();
  double m = 0, scale = 1e-30;
  for (size_t i = 0; i < a.size(); ++i) {
    m = std::max(m, double(std::abs(a[i] - b[i])));
    scale = std::max(scale, double(std::abs(a[i])));
  }
  return m / scale;
}

// Device copies of one shape's operands (random), plus CPU copies for the check.
struct Operands {
  kern::ConvDesc d;
  Tensor x, w, b, dy;  // host
  Tensor gx, gw, gb, gdy, gy, gdx, gdw;  // device
  Operands(const kern::ConvDesc& desc, bool bias, uint64_t seed) : d(desc) {
    Rng rng(seed);
    x = randn(Shape{d.N, d.H, d.W, d.Cin}, rng);
    w = randn(Shape{d.Cout, d.K, d.K, d.Cin}, rng, 1.0 / std::sqrt(double(d.patch())));
    if (bias) b = randn(Shape{d.Cout}, rng);
    dy = randn(Shape{d.N, d.Ho, d.Wo, d.Cout}, rng);
    gx = x.to(Device::CUDA), gw = w.to(Device::CUDA), gdy = dy.to(Device::CUDA);
    if (bias) gb = b.to(Device::CUDA);
    gy = Tensor::empty(dy.shape(), DType::f32, Device::CUDA);
    gdx = Tensor::zeros(x.shape(), DType::f32, Device::CUDA);
    gdw = Tensor::zeros(w.shape(), DType::f32, Device::CUDA);
  }
  const float* bias_dev() const { return gb.defined() ? gb.data<float>() : nullptr; }
  void forward(ConvLib lib) {
    cuda::DeviceWorkspace ws;
    kern::conv2d_forward_cuda(d, gx.data<float>(), gw.data<float>(), bias_dev(), gy.data<float>(), ws,
                              cuda::compute_stream(), lib);
  }
  void backward_data(ConvLib lib) {
    cuda::DeviceWorkspace ws;
    kern::conv2d_backward_data_cuda(d, gdy.data<float>(), gw.data<float>(), gdx.data<float>(), ws,
                                    cuda::compute_stream(), lib);
  }
  void backward_weight(ConvLib lib) {
    cuda::DeviceWorkspace ws;
    kern::conv2d_backward_weight_cuda(d, gx.data<float>(), gdy.data<float>(), gdw.data<float>(), nullptr, ws,
                                      cuda::compute_stream(), lib);
  }
};

// The engine path (ConvLib::Auto) against the CPU kernels at the check batch.
bool check_shape(const ConvShape& s, const OpsOptions& o, double tol, double* worst) {
  const kern::ConvDesc d = kern::make_conv_desc(o.check_batch, s.desc.H, s.desc.W, s.desc.Cin, s.desc.Cout,
                                                s.desc.K, s.desc.stride);
  Operands op(d, s.bias, 4242);
  Tensor y = Tensor::empty(op.dy.shape()), dx = Tensor::zeros(op.x.shape()), dw = Tensor::zeros(op.w.shape());
  kern::conv2d_forward_cpu(d, op.x.data<float>(), op.w.data<float>(), s.bias ? op.b.data<float>() : nullptr,
                           y.data<float>());
  op.forward(ConvLib::Auto);
  double e[3] = {rel_err(y, op.gy), 0, 0};
  if (o.backward) {
    kern::conv2d_backward_data_cpu(d, op.dy.data<float>(), op.w.data<float>(), dx.data<float>());
    kern::conv2d_backward_weight_cpu<float>(d, op.x.data<float>(), op.dy.data<float>(), dw.data<float>(), nullptr);
    op.backward_data(ConvLib::Auto);
    op.backward_weight(ConvLib::Auto);
    e[1] = rel_err(dx, op.gdx);
    e[2] = rel_err(dw, op.gdw);
  }
  for (int i = 0; i < 3; ++i) worst[i] = std::max(worst[i], e[i]);
  if (e[0] < tol && e[1] < tol && e[2] < tol) return true;
  fmt::print(stderr,
             "error: CUDA conv disagrees with the CPU on '{}' ({}x{} {}->{} K{} s{}): forward {:.2e}, "
             "backward data {:.2e}, backward weight {:.2e} (tolerance {:.0e})\n",
             s.label, d.H, d.W, d.Cin, d.Cout, d.K, d.stride, e[0], e[1], e[2], tol);
  return false;
}

}  // namespace

int run_ops_bench_cuda(const OpsOptions& o, const std::vector<ConvShape>& shapes) {
  HR_CHECK(cuda_available(), "hrnet-bench ops --device cuda: no CUDA device is present");
  auto selected = [&](const ConvShape& s) { return o.filter.empty() || s.label.find(o.filter) != std::string::npos; };
  // Plain fp32 agrees with the CPU to ~1e-6; TF32 products keep ~10 mantissa bits.
  const double tol = kern::cuda_tf32() ? 5e-3 : 1e-4;
  double worst[3] = {0, 0, 0};
  for (const ConvShape& s : shapes)
    if (selected(s) && !check_shape(s, o, tol, worst)) return 1;
  fmt::print("correctness (batch {}, engine path vs the CPU kernels): max normalized error forward {:.2e}",
             o.check_batch, worst[0]);
  if (o.backward) fmt::print(", backward data {:.2e}, backward weight {:.2e}", worst[1], worst[2]);
  fmt::print(" -> OK\n\n");

  fmt::print("{:>3} {:>2} {:>9} {:>13} {:>2} {:>2} {:>4} | {:>9} {:>7} | {:>9} {:>7}", "#", "N", "HxW",
             "Cin->Cout", "K", "s", "cnt", "cudnn ms", "GF/s", "cublas ms", "GF/s");
  if (o.backward) fmt::print(" | {:>9} {:>7} | {:>9} {:>7}", "bwd-d ms", "GF/s", "bwd-w ms", "GF/s");
  fmt::print(" | label\n");
  double total_cudnn = 0, total_engine = 0, total_data = 0, total_weight = 0;
  int64_t total_macs = 0;
  for (size_t i = 0; i < shapes.size(); ++i) {
    const ConvShape& s = shapes[i];
    if (!selected(s)) continue;
    const kern::ConvDesc& d = s.desc;
    Operands op(d, s.bias, 777);
    const bool gemm = d.K == 1 && d.stride == 1;
    const double fwd = cuda::time_ms([&] { op.forward(ConvLib::Cudnn); }, o.warmup, o.repeat);
    const double blas = gemm ? cuda::time_ms([&] { op.forward(ConvLib::Cublas); }, o.warmup, o.repeat) : 0.0;
    double bd = 0, bw = 0;
    if (o.backward) {
      bd = cuda::time_ms([&] { op.backward_data(ConvLib::Cudnn); }, o.warmup, o.repeat);
      bw = cuda::time_ms([&] { op.backward_weight(ConvLib::Cudnn); }, o.warmup, o.repeat);
    }
    const int64_t macs = d.macs();
    fmt::print("{:>3} {:>2} {:>9} {:>13} {:>2} {:>2} {:>4} | {:>9.4f} {:>7.0f} | {:>9} {:>7}", i, d.N,
               fmt::format("{}x{}", d.H, d.W), fmt::format("{}->{}", d.Cin, d.Cout), d.K, d.stride, s.count, fwd,
               gflops(macs, fwd), gemm ? fmt::format("{:.4f}", blas) : "-",
               gemm ? fmt::format("{:.0f}", gflops(macs, blas)) : "-");
    if (o.backward) fmt::print(" | {:>9.4f} {:>7.0f} | {:>9.4f} {:>7.0f}", bd, gflops(macs, bd), bw, gflops(macs, bw));
    fmt::print(" | {}{}\n", s.label, s.bias ? " (+bias)" : "");
    std::fflush(stdout);
    total_macs += s.count * macs;
    total_cudnn += s.count * fwd;
    total_engine += s.count * (gemm ? blas : fwd);
    total_data += s.count * bd;
    total_weight += s.count * bw;
  }
  fmt::print("\nall convs, one pass weighted by counts (batch {}):\n", o.geometry.batch);
  fmt::print("  forward, cuDNN only        {:>9.3f} ms  {:>7.0f} GF/s\n", total_cudnn, gflops(total_macs, total_cudnn));
  fmt::print("  forward, engine path       {:>9.3f} ms  {:>7.0f} GF/s  (1x1 stride 1 through cuBLAS)\n",
             total_engine, gflops(total_macs, total_engine));
  if (o.backward) {
    fmt::print("  backward data, cuDNN       {:>9.3f} ms  {:>7.0f} GF/s\n", total_data, gflops(total_macs, total_data));
    fmt::print("  backward weight, cuDNN     {:>9.3f} ms  {:>7.0f} GF/s\n", total_weight,
               gflops(total_macs, total_weight));
  }
  return 0;
}

}  // namespace hr::bench
