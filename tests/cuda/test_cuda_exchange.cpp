// The fused exchange-unit sum on the GPU: the block bodies against the CPU emulator's run of
// the same bodies (bit for bit: both fix the summation order, and the affine is an explicit
// fma), and ops::fuse_sum_relu against the CPU backend, forward and backward.
#include <catch2/catch.hpp>

#include <bit>
#include <cstring>
#include <vector>

#include "engine/cuda/device.h"
#include "kernels/exchange/exchange.h"
#include "tests/cuda/parity.h"

using namespace hr;

namespace {

struct Case {
  int N, H, W, C;
  std::vector<int> factors;
  bool affine;
};

// Host copies and device copies of one case's tensors.
struct Side {
  std::vector<Tensor> x, dx, scale, shift;
  Tensor dy;
};

Side make_host(const Case& c, Rng& rng) {
  Side s;
  for (int f : c.factors) {
    const int lg = std::countr_zero(unsigned(f));
    const Shape sh{c.N, kern::exchange_low_extent(c.H, lg), kern::exchange_low_extent(c.W, lg), c.C};
    s.x.push_back(randn(sh, rng));
    s.dx.push_back(randn(sh, rng));  // non-zero: the backward accumulates
    s.scale.push_back(rand_uniform(Shape{c.C}, rng, 0.5, 1.5));
    s.shift.push_back(randn(Shape{c.C}, rng));
  }
  s.dy = randn(Shape{c.N, c.H, c.W, c.C}, rng);
  return s;
}

Side to_device(const Side& h) {
  Side d;
  for (size_t k = 0; k < h.x.size(); ++k) {
    d.x.push_back(h.x[k].to(Device::CUDA));
    d.dx.push_back(h.dx[k].to(Device::CUDA));
    d.scale.push_back(h.scale[k].to(Device::CUDA));
    d.shift.push_back(h.shift[k].to(Device::CUDA));
  }
  d.dy = h.dy.to(Device::CUDA);
  return d;
}

kern::ExchangeDesc<float> desc_of(const Case& c, Side& s) {
  kern::ExchangeDesc<float> d;
  d.N = c.N, d.H = c.H, d.W = c.W, d.C = c.C;
  d.count = int(c.factors.size());
  for (int k = 0; k < d.count; ++k) {
    kern::ExchangeTerm<float>& t = d.term[k];
    t.x = s.x[size_t(k)].data<float>();
    t.dx = s.dx[size_t(k)].data<float>();
    t.scale = c.affine ? s.scale[size_t(k)].data<float>() : nullptr;
    t.shift = c.affine ? s.shift[size_t(k)].data<float>() : nullptr;
    t.log2_factor = std::countr_zero(unsigned(c.factors[size_t(k)]));
  }
  return d;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

}  // namespace

TEST_CASE("CUDA exchange kernels equal the emulator bit for bit", "[cuda]") {
  Rng rng(51);
  // Odd sizes with partial blocks, HRNet's 12x9 map, C over a 32-channel slice, the largest
  // factor, and W32 at 256x192 batch 2: stage-4 output 0 (64x48, 32 channels, factors 1..8).
  const Case cases[] = {
      {2, 9, 7, 5, {1, 2, 4}, false},   {1, 12, 9, 33, {1, 2, 4, 8}, true}, {2, 12, 9, 18, {1, 1, 1, 2}, false},
      {1, 13, 11, 3, {2, 1, 8}, true},   {1, 17, 16, 2, {1, 16}, false},     {2, 64, 48, 32, {1, 2, 4, 8}, false},
      {2, 64, 48, 32, {1, 2, 4, 8}, true},
  };
  for (const Case& c : cases) {
    INFO("N " << c.N << " " << c.H << "x" << c.W << " C " << c.C << " terms " << c.factors.size() << " affine "
              << c.affine);
    Side host = make_host(c, rng);
    Side dev = to_device(host);
    std::vector<float> y(size_t(c.N) * c.H * c.W * c.C);
    kern::exchange_forward_emu(desc_of(c, host), y.data());
    Tensor yd = Tensor::empty(host.dy.shape(), DType::f32, Device::CUDA);
    kern::exchange_forward_cuda(desc_of(c, dev), yd.data<float>(), cuda::compute_stream());
    CHECK(same_bits(yd.to(Device::CPU).to_vector<float>(), y));

    // Both backwards from the emulator's y, so the comparison is of the backward alone.
    const Tensor y_host = Tensor::from_vector(host.dy.shape(), y), y_dev = y_host.to(Device::CUDA);
    kern::exchange_backward_emu(desc_of(c, host), y.data(), host.dy.data<float>());
    kern::exchange_backward_cuda(desc_of(c, dev), y_dev.data<float>(), dev.dy.data<float>(), cuda::compute_stream());
    for (size_t k = 0; k < c.factors.size(); ++k) {
      INFO("term " << k);
      CHECK(same_bits(dev.dx[k].to(Device::CPU).to_vector<float>(), host.dx[k].to_vector<float>()));
    }
  }
}

TEST_CASE("CUDA fuse_sum_relu matches the CPU, forward and backward", "[cuda]") {
  Rng rng(52);
  struct OpCase { int N, H, W, C; std::vector<int> factors; };
  const OpCase cases[] = {{2, 9, 7, 5, {1, 2, 4}}, {2, 12, 9, 6, {1, 1, 2, 8}}, {1, 24, 16, 40, {2, 1, 4}}};
  for (const OpCase& c : cases) {
    std::vector<Tensor> in;
    for (int f : c.factors) {
      const int lg = std::countr_zero(unsigned(f));
      in.push_back(randn(Shape{c.N, kern::exchange_low_extent(c.H, lg), kern::exchange_low_extent(c.W, lg), c.C}, rng));
    }
    const std::vector<int> factors = c.factors;
    // The same ordered sums on both backends: exact (any float difference would exceed 1e-12).
    test::check_parity(fmt::format("fuse_sum_relu {}x{} C{} {} terms", c.H, c.W, c.C, factors.size()),
                       [factors](const std::vector<Var>& v) { return ops::fuse_sum_relu(v, factors); }, in, 1e-12);
  }
}
