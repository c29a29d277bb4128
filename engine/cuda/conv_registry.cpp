#include "engine/cuda/conv_registry.h"

#include <cuda_runtime.h>
#include <fmt/format.h>

#include <array>
#include <cmath>
#include <map>
#include <memory>
#include <mutex>
#include <cstdlib>
#include <tuple>

#include "engine/cuda/device.h"
#include "engine/cuda/exchange_unit_registry.h"
#include "engine/cuda/timing.h"
#include "engine/error.h"
#include "engine/random.h"
#include "engine/registry/measure.h"
#include "kernels/common/cuda_check.h"
#include "kernels/common/math_mode.h"
#include "kernels/conv/conv.h"
#include "kernels/conv_native/conv_native.h"

namespace hr::cuda {
namespace {

constexpr const char* kCudnn = "cudnn";
constexpr const char* kNativeF32 = "native_f32";
constexpr const char* kNativeBf16 = "native_bf16";
constexpr const char* kNativeBf16p = "native_bf16p";

// See the header for why these values.
double f32_tolerance() { return kern::cuda_tf32() ? 5e-3 : 1e-4; }
constexpr double kBf16Tolerance = 1e-2;

// The registry's timer: a couple of untimed runs (cuDNN's first call per shape searches
// algorithms; caches warm up), then the median of a few event-timed runs.
constexpr int kWarmup = 2, kRepeat = 5;

bool native_math(std::string_view version, kern::NativeMath* math) {
  if (version == kNativeF32) *math = kern::NativeMath::F32;
  else if (version == kNativeBf16) *math = kern::NativeMath::BF16;
  else if (version == kNativeBf16p) *math = kern::NativeMath::BF16Pipelined;
  else return false;
  return true;
}

// The two inputs and the output of a pass: shapes of (in0, in1, out).
std::array<Shape, 3> pass_shapes(const kern::ConvDesc& d, ConvPass pass) {
  const Shape x{d.N, d.H, d.W, d.Cin}, w{d.Cout, d.K, d.K, d.Cin}, y{d.N, d.Ho, d.Wo, d.Cout};
  switch (pass) {
    case ConvPass::Forward: return {x, w, y};
    case ConvPass::DataGrad: return {y, w, x};
    case ConvPass::WeightGrad: return {x, y, w};
  }
  fail("conv registry: unknown pass");
}

// A device tensor of `shape` filled from a process-wide pool of N(0, 1) values (grown, and
// drawn again on the host, only when a larger tensor is asked for); `which` picks a different
// offset into the pool for each operand of a trial, so x and w are not the same numbers.
Tensor random_device_tensor(const Shape& shape, int which) {
  static std::mutex mutex;
  static Tensor* pool = new Tensor;  // leaked on purpose: no device free after CUDA shutdown
  const int64_t n = shape.numel(), offset = which == 0 ? 0 : 7919;
  std::lock_guard<std::mutex> lock(mutex);
  if (!pool->defined() || pool->numel() < n + offset) {
    Rng rng(20240508);
    *pool = randn(Shape{n + offset}, rng).to(Device::CUDA);
  }
  Tensor t = Tensor::empty(shape, DType::f32, Device::CUDA);
  kern::cuda_check(cudaMemcpyAsync(t.data<float>(), pool->data<float>() + offset, size_t(n) * sizeof(float),
                                   cudaMemcpyDeviceToDevice, compute_stream()),
                   "conv registry: operand copy");
  return t;
}

// Device buffers of one trial, shared by its candidates' callables.
struct Scratch {
  kern::ConvDesc d;
  ConvPass pass;
  Tensor in0, in1;
  std::vector<Tensor> out;      // one per version, zero-filled: backward passes accumulate
  std::vector<float> baseline;  // out[0] on the host, copied on the first comparison
};

// The ops and versions the engine's registry offers: the three conv passes (native_bf16 only
// where bf16 convolutions are allowed) and the inference exchange unit.
std::vector<registry::OpInfo> engine_ops() {
  std::vector<std::string> versions{kCudnn, kNativeF32};
  if (conv_bf16_allowed()) {
    versions.push_back(kNativeBf16);
    versions.push_back(kNativeBf16p);
  }
  return {conv_op(ConvPass::Forward, versions), conv_op(ConvPass::DataGrad, versions),
          conv_op(ConvPass::WeightGrad, versions), exchange_unit_op()};
}

}  // namespace

// One registry per (device, TF32 mode, bf16 allowed): the tolerances and versions depend on them.
registry::KernelRegistry& engine_registry() {
  static std::mutex mutex;
  static std::map<std::tuple<int, bool, bool>, std::unique_ptr<registry::KernelRegistry>> registries;
  int dev = 0;
  if (cudaGetDevice(&dev) != cudaSuccess) fail("conv registry: no current CUDA device");
  const auto key = std::make_tuple(dev, kern::cuda_tf32(), conv_bf16_allowed());
  std::lock_guard<std::mutex> lock(mutex);
  auto& slot = registries[key];
  if (!slot)
    slot = std::make_unique<registry::KernelRegistry>(engine_ops(), registry::options_from_env(device_name()));
  return *slot;
}

// Indexed by ConvPass.
constexpr struct {
  const char* op;
  const char* pass;
} kPassNames[] = {{"conv_fwd", "fwd"}, {"conv_dgrad", "dgrad"}, {"conv_wgrad", "wgrad"}};

const char* conv_op_name(ConvPass pass) { return kPassNames[int(pass)].op; }
const char* conv_pass_short(ConvPass pass) { return kPassNames[int(pass)].pass; }

registry::OpInfo conv_op(ConvPass pass, const std::vector<std::string>& versions) {
  const registry::OpInfo all{conv_op_name(pass),
                             {{kCudnn, 0},
                              {kNativeF32, f32_tolerance()},
                              {kNativeBf16, kBf16Tolerance},
                              {kNativeBf16p, kBf16Tolerance}}};
  if (versions.empty()) return all;
  registry::OpInfo op{all.name, {}};
  for (const registry::VersionInfo& v : all.versions)
    for (const std::string& want : versions)
      if (v.name == want) op.versions.push_back(v);
  for (const std::string& want : versions)
    HR_CHECK(all.index_of(want) >= 0, "conv registry: unknown version '{}'; valid: {}", want, all.version_list());
  HR_CHECK(!op.versions.empty() && op.versions[0].name == kCudnn,
           "conv registry: the baseline {} must be among the versions", kCudnn);
  return op;
}

std::string conv_shape_key(const kern::ConvDesc& d) {
  // The math mode is part of the key: TF32 changes the baseline, and with bf16 convolutions
  // allowed the version list differs (a cached choice of one mode must not serve the other).
  return fmt::format("N{} {}x{} {}->{} K{} s{} {}{}", d.N, d.H, d.W, d.Cin, d.Cout, d.K, d.stride,
                     kern::cuda_tf32() ? "tf32" : "fp32", conv_bf16_allowed() ? " +bf16" : "");
}

registry::Trial make_conv_trial(const kern::ConvDesc& d, ConvPass pass, const registry::OpInfo& op,
                                std::function<double(const std::function<void()>&)> time_ms) {
  const std::array<Shape, 3> shapes = pass_shapes(d, pass);
  auto s = std::make_shared<Scratch>();
  s->d = d;
  s->pass = pass;
  // Operands are slices of one device pool of N(0, 1) values, drawn on the host once: a
  // batch-32 HRNet shape needs up to 25M floats per operand, and drawing them for every trial
  // would cost seconds per shape. The normalized error does not depend on the scale.
  s->in0 = random_device_tensor(shapes[0], 0);  // x or dy
  s->in1 = random_device_tensor(shapes[1], 1);  // w or dy
  for (size_t v = 0; v < op.versions.size(); ++v) s->out.push_back(Tensor::zeros(shapes[2], DType::f32, Device::CUDA));

  registry::Trial trial;
  trial.time_ms = std::move(time_ms);
  for (size_t v = 0; v < op.versions.size(); ++v) {
    registry::Candidate c;
    const std::string name = op.versions[v].name;
    kern::NativeMath math{};
    if (native_math(name, &math)) c.unsupported = kern::conv_native_unsupported(d);
    c.run = [s, v, name] {
      DeviceWorkspace ws;
      run_conv_version(name, s->pass, s->d, s->in0.data<float>(), s->in1.data<float>(), s->out[v].data<float>(), ws,
                       compute_stream());
    };
    c.error = [s, v] {
      if (s->baseline.empty()) s->baseline = s->out[0].to_vector<float>();
      const std::vector<float> got = s->out[v].to_vector<float>();
      return registry::max_normalized_error(s->baseline, got);
    };
    trial.candidates.push_back(std::move(c));
  }
  return trial;
}

std::string choose_conv_version(const kern::ConvDesc& d, ConvPass pass) {
  registry::KernelRegistry& reg = engine_registry();
  const std::string op = conv_op_name(pass);
  return reg.choose(op, conv_shape_key(d), [&] {
    return make_conv_trial(d, pass, reg.op(op),
                           [](const std::function<void()>& run) { return time_ms(run, kWarmup, kRepeat); });
  });
}

void run_conv_version(std::string_view version, ConvPass pass, const kern::ConvDesc& d, const float* in0,
                      const float* in1, float* out, kern::Workspace& ws, kern::Stream stream) {
  kern::NativeMath math{};
  if (version == kCudnn) {
    switch (pass) {
      case ConvPass::Forward: return kern::conv2d_forward_cuda(d, in0, in1, nullptr, out, ws, stream);
      case ConvPass::DataGrad: return kern::conv2d_backward_data_cuda(d, in0, in1, out, ws, stream);
      case ConvPass::WeightGrad: return kern::conv2d_backward_weight_cuda(d, in0, in1, out, nullptr, ws, stream);
    }
  } else if (native_math(version, &math)) {
    switch (pass) {
      case ConvPass::Forward: return kern::conv_native_forward_cuda(d, in0, in1, out, math, stream);
      case ConvPass::DataGrad: return kern::conv_native_backward_data_cuda(d, in0, in1, out, math, stream);
      case ConvPass::WeightGrad: return kern::conv_native_backward_weight_cuda(d, in0, in1, out, math, ws, stream);
    }
  }
  fail("conv registry: unknown version '{}'; valid: {}", version, conv_op(pass).version_list());
}

bool conv_registry_enabled() {
  const char* v = std::getenv("HRNET_KERNELS");
  return v != nullptr && *v != '\0';
}

bool conv_bf16_allowed() {
  const char* v = std::getenv("HRNET_CONV_BF16");
  return v != nullptr && std::string_view(v) == "1";
}

void conv_forward_dispatch(const kern::ConvDesc& d, const float* x, const float* w, const float* bias, float* y,
                           kern::Workspace& ws, kern::Stream stream) {
  const std::string v = conv_registry_enabled() ? choose_conv_version(d, ConvPass::Forward) : kCudnn;
  if (v == kCudnn) return kern::conv2d_forward_cuda(d, x, w, bias, y, ws, stream);
  run_conv_version(v, ConvPass::Forward, d, x, w, y, ws, stream);
  if (bias) kern::conv_bias_add_cuda(d.rows(), d.Cout, bias, y, stream);
}

void conv_backward_data_dispatch(const kern::ConvDesc& d, const float* dy, const float* w, float* dx,
                                 kern::Workspace& ws, kern::Stream stream) {
  const std::string v = conv_registry_enabled() ? choose_conv_version(d, ConvPass::DataGrad) : kCudnn;
  if (v == kCudnn) return kern::conv2d_backward_data_cuda(d, dy, w, dx, ws, stream);
  run_conv_version(v, ConvPass::DataGrad, d, dy, w, dx, ws, stream);
}

void conv_backward_weight_dispatch(const kern::ConvDesc& d, const float* x, const float* dy, float* dw, float* dbias,
                                   kern::Workspace& ws, kern::Stream stream) {
  const std::string v = dw && conv_registry_enabled() ? choose_conv_version(d, ConvPass::WeightGrad) : kCudnn;
  if (v == kCudnn) return kern::conv2d_backward_weight_cuda(d, x, dy, dw, dbias, ws, stream);
  run_conv_version(v, ConvPass::WeightGrad, d, x, dy, dw, ws, stream);
  if (dbias) kern::conv_bias_grad_cuda(d.rows(), d.Cout, dy, dbias, ws, stream);
}

}  // namespace hr::cuda
