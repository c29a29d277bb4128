// Native kernels written for the grid emulator (docs/kernels.md): the GPU run of a block body
// against the CPU emulator's run of the same body. Both compute every output as the same
// ordered fmaf chain, so they must agree bit for bit; any difference is a race, a barrier
// missing between warps, or a compiler that reassociated the arithmetic.
#include <catch2/catch.hpp>

#include <vector>

#include "engine/cuda/device.h"
#include "kernels/conv1x1/conv1x1.h"
#include "tests/cuda/parity.h"

using namespace hr;

TEST_CASE("CUDA native conv1x1 equals the emulator bit for bit", "[cuda]") {
  Rng rng(41);
  // Odd sizes, tile edges (64 rows/channels, 16-wide K slices) and one HRNet-sized layer
  // (W32 stage-4 branch at 1/32 of 256x192, batch 8: 8*8*6 rows, 256 -> 256 channels).
  struct Case { int64_t M; int Cin, Cout; bool bias; };
  const Case cases[] = {{37, 5, 7, true}, {37, 19, 33, false}, {65, 17, 65, true}, {130, 33, 70, false},
                        {8 * 8 * 6, 256, 256, true}};
  for (const Case& c : cases) {
    const Tensor x = randn(Shape{c.M, c.Cin}, rng), w = randn(Shape{c.Cout, c.Cin}, rng, 0.3),
                 b = randn(Shape{c.Cout}, rng);
    std::vector<float> expect(size_t(c.M) * c.Cout);
    kern::conv1x1_forward_emu(c.M, c.Cin, c.Cout, x.data<float>(), w.data<float>(), c.bias ? b.data<float>() : nullptr,
                              expect.data());

    const Tensor xd = x.to(Device::CUDA), wd = w.to(Device::CUDA), bd = b.to(Device::CUDA);
    Tensor yd = Tensor::empty(Shape{c.M, c.Cout}, DType::f32, Device::CUDA);
    kern::conv1x1_forward_native_cuda(c.M, c.Cin, c.Cout, xd.data<float>(), wd.data<float>(),
                                      c.bias ? bd.data<float>() : nullptr, yd.data<float>(), cuda::compute_stream());
    // The copy back runs on the same (legacy default) stream, after the kernel.
    const std::vector<float> got = yd.to(Device::CPU).to_vector<float>();
    INFO("M " << c.M << " Cin " << c.Cin << " Cout " << c.Cout << " bias " << c.bias);
    CHECK(got == expect);
  }
}
