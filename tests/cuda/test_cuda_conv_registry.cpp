// The kernel registry's conv adapter on a GPU (engine/cuda/conv_registry.h): every version of
// every pass agrees with the cuDNN/cuBLAS baseline within its tolerance on HRNet-like shapes,
// and the process registry chooses one, writes its cache file under the GPU's name, and serves
// the engine's conv2d when HRNET_KERNELS is set.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "engine/cuda/conv_registry.h"
#include "engine/cuda/device.h"
#include "engine/cuda/timing.h"
#include "engine/registry/cache_file.h"
#include "engine/registry/measure.h"
#include "kernels/common/math_mode.h"
#include "kernels/common/conv_describe.h"
#include "tests/cuda/parity.h"
#include "tests/support/files.h"

using namespace hr;
using cuda::ConvPass;

namespace {
const ConvPass kPasses[] = {ConvPass::Forward, ConvPass::DataGrad, ConvPass::WeightGrad};

// Odd maps (12x9 as at 384x288), stride 2, 1x1 (cuBLAS in the baseline), 3 input channels.
const kern::ConvDesc kShapes[] = {kern::make_conv_desc(2, 12, 9, 32, 64, 3, 2),
                                  kern::make_conv_desc(2, 16, 12, 64, 64, 3, 1),
                                  kern::make_conv_desc(2, 16, 12, 128, 32, 1, 1),
                                  kern::make_conv_desc(2, 32, 24, 3, 64, 3, 2)};

double time_once(const std::function<void()>& run) { return cuda::time_ms(run, 0, 1); }
}  // namespace

TEST_CASE("CUDA conv registry: native versions agree with cudnn on every pass", "[cuda]") {
  const bool tf32 = kern::set_cuda_tf32(false);
  for (const kern::ConvDesc& d : kShapes)
    for (const ConvPass pass : kPasses) {
      const registry::OpInfo op = cuda::conv_op(pass);
      const registry::Measurement m = registry::measure(op, cuda::make_conv_trial(d, pass, op, time_once));
      for (const registry::VersionResult& r : m.versions) {
        INFO(cuda::conv_shape_key(d) << " " << op.name << " " << r.name << ": " << r.detail);
        CHECK(r.status == registry::Status::Ok);
        CHECK(r.ms > 0);
      }
    }
  kern::set_cuda_tf32(tf32);
}

TEST_CASE("CUDA conv registry: the process registry chooses and caches under the GPU's name", "[cuda]") {
  test::ScratchDir tmp("cuda_registry");
  const std::string path = (tmp.path / "kernels.json").string();
  // The process registry reads the environment when first used; nothing else in this binary uses it.
  setenv("HRNET_KERNEL_CACHE", path.c_str(), 1);
  unsetenv("HRNET_KERNELS");
  // Without bf16 convolutions: the engine-path check below uses an f32 tolerance.
  unsetenv("HRNET_CONV_BF16");
  const bool tf32 = kern::set_cuda_tf32(false);
  const kern::ConvDesc d = kShapes[1];
  const std::string chosen = cuda::choose_conv_version(d, ConvPass::Forward);
  CHECK(cuda::conv_op(ConvPass::Forward).index_of(chosen) >= 0);
  const nlohmann::json doc = nlohmann::json::parse(test::read_text(path));
  const std::string key = registry::cache_key(cuda::device_name(), "conv_fwd", cuda::conv_shape_key(d));
  REQUIRE(doc["entries"].contains(key));
  CHECK(doc["entries"][key]["chosen"] == chosen);
  // A name that is no version is refused before anything is launched.
  cuda::DeviceWorkspace ws;
  CHECK_THROWS_WITH(cuda::run_conv_version("native_fp16", ConvPass::Forward, d, nullptr, nullptr, nullptr, ws,
                                           cuda::compute_stream()),
                    Catch::Contains("unknown version 'native_fp16'") && Catch::Contains("cudnn, native_f32"));

  // The engine's conv2d through the registry (HRNET_KERNELS set): whichever version it chooses
  // per shape and pass, forward and backward (bias included) match the CPU.
  setenv("HRNET_KERNELS", "auto", 1);
  REQUIRE(cuda::conv_registry_enabled());
  Rng rng(77);
  for (const kern::ConvDesc& s : kShapes) {
    const Tensor x = randn(Shape{s.N, s.H, s.W, s.Cin}, rng), w = randn(Shape{s.Cout, s.K, s.K, s.Cin}, rng, 0.2),
                 b = randn(Shape{s.Cout}, rng);
    const int stride = s.stride;
    test::check_parity(kern::describe_conv(s) + " through the registry",
                       [stride](const std::vector<Var>& v) { return ops::conv2d(v[0], v[1], v[2], stride); },
                       {x, w, b}, 1e-4);
  }
  unsetenv("HRNET_KERNELS");
  kern::set_cuda_tf32(tf32);
  unsetenv("HRNET_KERNEL_CACHE");
}
