// The fused inference exchange unit on the GPU (kernels/exchange/unit.h): the block body
// against the CPU emulator's run of the same body, bit for bit (each conv value is one fmaf
// chain in a fixed k order, the affine an explicit fma, the sum left to right); its registry
// versions against each other; the network's eval forward through it against the CPU.
#include <catch2/catch.hpp>

#include <cstring>
#include <list>
#include <vector>

#include "engine/cuda/device.h"
#include "engine/cuda/exchange_unit_registry.h"
#include "engine/cuda/timing.h"
#include "engine/registry/measure.h"
#include "kernels/common/math_mode.h"
#include "kernels/exchange/unit.h"
#include "tests/cuda/parity.h"
#include "tests/support/exchange_unit_case.h"
#include "tests/support/tiny_hrnet.h"

using namespace hr;

TEST_CASE("CUDA fused exchange unit equals the emulator bit for bit", "[cuda]") {
  Rng rng(61);
  // Every output of the odd four-branch unit, and W32's stage-4 output 0 and 3 at 256x192,
  // batch 2 (64x48 with up paths by 2, 4, 8; 8x6 with three down convs of 9 x 32..128 k).
  std::vector<test::UnitCase> cases;
  for (int out = 0; out < 4; ++out) cases.push_back({2, 13, 11, {5, 9, 17, 70}, out});
  cases.push_back({2, 64, 48, {32, 64, 128, 256}, 0});
  cases.push_back({2, 64, 48, {32, 64, 128, 256}, 3});
  for (const test::UnitCase& c : cases) {
    const test::UnitData u = test::make_unit(c, rng);
    INFO(kern::describe_exchange_unit(u.d));
    const size_t size = size_t(u.d.N) * u.d.H * u.d.W * u.d.C;
    std::vector<float> ref(size);
    kern::exchange_unit_forward_emu(u.d, ref.data());

    std::list<Tensor> keep;  // device copies live until the kernel has run
    const kern::ExchangeUnitDesc dd = test::rebind(u, [&](const std::vector<float>& v) {
      keep.push_back(Tensor::from_vector(Shape{int64_t(v.size())}, v).to(Device::CUDA));
      return static_cast<const float*>(keep.back().data<float>());
    });
    Tensor y = Tensor::empty(Shape{u.d.N, u.d.H, u.d.W, u.d.C}, DType::f32, Device::CUDA);
    kern::exchange_unit_forward_cuda(dd, y.data<float>(), cuda::compute_stream());
    const std::vector<float> got = y.to(Device::CPU).to_vector<float>();
    CHECK((got.size() == ref.size() && std::memcmp(got.data(), ref.data(), size * sizeof(float)) == 0));
  }
}

TEST_CASE("CUDA exchange unit registry: one kernel agrees with the library sequence", "[cuda]") {
  const bool tf32 = kern::set_cuda_tf32(false);
  // Every output of the odd unit (BN as scale + shift), and W32's stage-4 outputs at batch 2
  // with BN folded into the weights (a bias only, as the network runs it).
  std::vector<test::UnitCase> cases;
  for (int out = 0; out < 4; ++out) cases.push_back({2, 13, 11, {5, 9, 17, 70}, out});
  for (int out = 0; out < 4; ++out) cases.push_back({2, 64, 48, {32, 64, 128, 256}, out});
  Rng rng(62);
  for (size_t k = 0; k < cases.size(); ++k) {
    test::UnitData u = test::make_unit(cases[k], rng);
    if (k >= 4)
      for (int t = 0; t < u.d.count; ++t) u.d.term[t].scale = nullptr;
    const registry::OpInfo op = cuda::exchange_unit_op();
    const registry::Measurement m = registry::measure(
        op, cuda::make_exchange_unit_trial(u.d, op, [](const std::function<void()>& run) { return cuda::time_ms(run, 0, 1); }));
    for (const registry::VersionResult& r : m.versions) {
      INFO(cuda::exchange_unit_shape_key(u.d) << " " << r.name << ": error " << r.error << " " << r.detail);
      CHECK(r.status == registry::Status::Ok);
      CHECK(r.ms > 0);
    }
  }
  kern::set_cuda_tf32(tf32);
}

TEST_CASE("CUDA narrow HRNet in eval: one kernel per exchange output matches the CPU", "[cuda]") {
  net::PoseHighResolutionNet net(test::tiny_hrnet_spec(5));
  Rng rng(63);
  net.init_weights(rng);
  for (auto& [name, m] : net.named_modules())
    if (auto* conv = dynamic_cast<Conv2d*>(m)) conv->init_normal(rng, 0.2);
  net.eval();
  const Tensor x = randn(Shape{2, 64, 32, 3}, rng);
  NoGradGuard no_grad;
  const Tensor cpu = net.forward(Var(x)).value();
  net.to(Device::CUDA);
  const int64_t before = ops::exchange_unit_count();
  Tensor gpu;
  {
    ops::ForceExchangeUnitScope force(true);
    gpu = net.forward(Var(x.to(Device::CUDA))).value().to(Device::CPU);
  }
  CHECK(ops::exchange_unit_count() == before + 6);
  CHECK(test::rel_max_diff(gpu, cpu) < 1e-4);
}
