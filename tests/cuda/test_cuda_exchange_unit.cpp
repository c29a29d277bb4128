// The fused inference exchange unit on the GPU (kernels/exchange/unit.h): the block body
// against the CPU emulator's run of the same body, bit for bit (each conv value is one fmaf
// chain in a fixed k order, the affine an explicit fma, the sum left to right).
#include <catch2/catch.hpp>

#include <cstring>
#include <list>
#include <vector>

#include "engine/cuda/device.h"
#include "kernels/exchange/unit.h"
#include "tests/cuda/parity.h"
#include "tests/support/exchange_unit_case.h"

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
