// The fused exchange-unit sum (kernels/exchange, ops::fuse_sum_relu): the CPU kernel against
// its serial definition and against the unfused op sequence it replaces, the block bodies
// under the grid emulator against the CPU kernel, all bit for bit; the op's gradients in fp64
// and its errors. tests/cuda/test_cuda_exchange.cpp compares the GPU with the emulator.
#include <catch2/catch.hpp>

#include <bit>
#include <cmath>
#include <cstring>
#include <vector>

#include "engine/engine.h"
#include "kernels/emu/cpu_block.h"
#include "kernels/exchange/exchange.h"
#include "support/gradcheck.h"

using namespace hr;
using emu::EmuOptions;
using emu::Schedule;

namespace {

struct Case {
  int N, H, W, C;
  std::vector<int> factors;
};

// Odd sizes (partial low-resolution blocks at the edges), HRNet's 12x9 map (1/32 of 384x288)
// as the output with factors 1..8, the term orders HRNet produces (identity first, down
// chains then identity then upsampled terms), a factor-1 term that is not first, C over one
// 32-channel slice, the largest factor, and one lone term.
const std::vector<Case> kCases = {
    {1, 1, 1, 1, {1}},           {2, 9, 7, 5, {1, 2, 4}},        {1, 12, 9, 33, {1, 2, 4, 8}},
    {2, 12, 9, 18, {1, 1, 1, 2}}, {1, 13, 11, 3, {2, 1, 8}},      {1, 24, 16, 8, {1, 2, 4, 8}},
    {1, 17, 16, 2, {1, 16}},     {2, 5, 3, 7, {1, 1}},
};

const std::vector<EmuOptions> kSchedules = {
    {Schedule::InOrder, 1}, {Schedule::Reversed, 1}, {Schedule::Shuffled, 1}, {Schedule::Shuffled, 7}};

int log2_of(int f) { return std::countr_zero(unsigned(f)); }

template <typename T>
std::vector<T> random_values(size_t n, Rng& rng, double lo = -1.0, double hi = 1.0) {
  std::vector<T> v(n);
  for (T& x : v) x = T(rng.uniform(lo, hi));
  return v;
}

// Host buffers of one case: every term's input, affine and gradient, and the output gradient.
template <typename T>
struct Buffers {
  Case c;
  std::vector<std::vector<T>> x, dx, scale, shift;
  std::vector<T> dy;

  Buffers(const Case& cs, bool affine, uint64_t seed) : c(cs) {
    Rng rng(seed);
    for (int f : c.factors) {
      const int s = log2_of(f);
      const size_t n = size_t(c.N) * kern::exchange_low_extent(c.H, s) * kern::exchange_low_extent(c.W, s) * c.C;
      x.push_back(random_values<T>(n, rng));
      dx.push_back(random_values<T>(n, rng));  // non-zero: the backward must accumulate
      scale.push_back(affine ? random_values<T>(size_t(c.C), rng, 0.5, 1.5) : std::vector<T>());
      shift.push_back(affine ? random_values<T>(size_t(c.C), rng) : std::vector<T>());
    }
    dy = random_values<T>(out_elems(), rng);
  }
  size_t out_elems() const { return size_t(c.N) * c.H * c.W * c.C; }

  // Pointers into this object's buffers; skip_dx drops one term's gradient (-1: none).
  kern::ExchangeDesc<T> desc(int skip_dx = -1) {
    kern::ExchangeDesc<T> d;
    d.N = c.N, d.H = c.H, d.W = c.W, d.C = c.C;
    d.count = int(c.factors.size());
    for (int k = 0; k < d.count; ++k) {
      kern::ExchangeTerm<T>& t = d.term[k];
      t.x = x[size_t(k)].data();
      t.dx = k == skip_dx ? nullptr : dx[size_t(k)].data();
      t.scale = scale[size_t(k)].empty() ? nullptr : scale[size_t(k)].data();
      t.shift = shift[size_t(k)].empty() ? nullptr : shift[size_t(k)].data();
      t.log2_factor = log2_of(c.factors[size_t(k)]);
    }
    return d;
  }
};

double fma_of(double a, double b, double c) { return std::fma(a, b, c); }
float fma_of(float a, float b, float c) { return std::fma(a, b, c); }

// The documented arithmetic (exchange.h), serially and without shared helpers.
template <typename T>
std::vector<T> serial_forward(const kern::ExchangeDesc<T>& d) {
  std::vector<T> y(size_t(d.N) * d.H * d.W * d.C);
  for (int n = 0; n < d.N; ++n)
    for (int h = 0; h < d.H; ++h)
      for (int w = 0; w < d.W; ++w)
        for (int c = 0; c < d.C; ++c) {
          T acc = 0;
          for (int k = 0; k < d.count; ++k) {
            const kern::ExchangeTerm<T>& t = d.term[k];
            const int s = t.log2_factor, f = 1 << s;
            const int Hl = (d.H + f - 1) / f, Wl = (d.W + f - 1) / f;
            T v = t.x[((size_t(n) * Hl + h / f) * Wl + w / f) * d.C + c];
            if (t.scale) v = fma_of(v, t.scale[c], t.shift[c]);
            acc = k == 0 ? v : acc + v;
          }
          y[((size_t(n) * d.H + h) * d.W + w) * d.C + c] = acc > 0 ? acc : T(0);
        }
  return y;
}

template <typename T>
void serial_backward(const kern::ExchangeDesc<T>& d, const std::vector<T>& y, const std::vector<T>& dy) {
  for (int k = 0; k < d.count; ++k) {
    const kern::ExchangeTerm<T>& t = d.term[k];
    if (!t.dx) continue;
    const int f = 1 << t.log2_factor;
    const int Hl = (d.H + f - 1) / f, Wl = (d.W + f - 1) / f;
    for (int n = 0; n < d.N; ++n)
      for (int hl = 0; hl < Hl; ++hl)
        for (int wl = 0; wl < Wl; ++wl)
          for (int c = 0; c < d.C; ++c) {
            T& g = t.dx[((size_t(n) * Hl + hl) * Wl + wl) * d.C + c];
            for (int i = 0; i < f; ++i)
              for (int j = 0; j < f; ++j) {
                const int h = hl * f + i, w = wl * f + j;
                if (h >= d.H || w >= d.W) continue;
                const size_t o = ((size_t(n) * d.H + h) * d.W + w) * d.C + c;
                const T m = y[o] > 0 ? dy[o] : T(0);
                g = t.scale ? fma_of(m, t.scale[c], g) : g + m;
              }
          }
  }
}

// Bit-for-bit equality (== would equate -0 and +0 and fail on equal NaNs).
template <typename T>
bool same_bits(const std::vector<T>& a, const std::vector<T>& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0);
}

std::string case_name(const Case& c) {
  std::string s = fmt::format("N{} {}x{} C{} factors", c.N, c.H, c.W, c.C);
  for (int f : c.factors) s += fmt::format(" {}", f);
  return s;
}

}  // namespace

TEMPLATE_TEST_CASE("exchange: the CPU kernel equals its serial definition bit for bit", "[exchange]", float,
                   double) {
  for (const Case& c : kCases)
    for (bool affine : {false, true}) {
      INFO(case_name(c) << " affine " << affine);
      Buffers<TestType> b(c, affine, 31);
      const auto d = b.desc();
      std::vector<TestType> y(b.out_elems(), TestType(-7));
      kern::exchange_forward_cpu(d, y.data());
      CHECK(same_bits(y, serial_forward(d)));

      Buffers<TestType> ref(c, affine, 31);
      const int skip = affine ? 0 : -1;  // a term that needs no gradient is left alone
      kern::exchange_backward_cpu(b.desc(skip), y.data(), b.dy.data());
      serial_backward(ref.desc(skip), y, ref.dy);
      for (size_t k = 0; k < c.factors.size(); ++k) {
        INFO("term " << k);
        CHECK(same_bits(b.dx[k], ref.dx[k]));
      }
    }
}

TEST_CASE("exchange emu: the block bodies equal the CPU kernel bit for bit under every schedule",
          "[emu][exchange]") {
  for (const Case& c : kCases)
    for (bool affine : {false, true})
      for (const EmuOptions& opt : kSchedules) {
        INFO(case_name(c) << " affine " << affine << " schedule " << int(opt.schedule) << " seed " << opt.seed);
        Buffers<float> cpu(c, affine, 32), em(c, affine, 32);
        std::vector<float> y(cpu.out_elems()), ye(cpu.out_elems(), -7.f);
        kern::exchange_forward_cpu(cpu.desc(), y.data());
        kern::exchange_forward_emu(em.desc(), ye.data(), opt);
        CHECK(same_bits(y, ye));

        const int skip = affine ? int(c.factors.size()) - 1 : -1;
        kern::exchange_backward_cpu(cpu.desc(skip), y.data(), cpu.dy.data());
        kern::exchange_backward_emu(em.desc(skip), y.data(), em.dy.data(), opt);
        for (size_t k = 0; k < c.factors.size(); ++k) {
          INFO("term " << k);
          CHECK(same_bits(cpu.dx[k], em.dx[k]));
        }
      }
}

namespace {

// What HRNet computed before the fused op: upsample_nearest, then add ... add, add_relu.
Var unfused(const std::vector<Var>& terms, const std::vector<int>& factors) {
  auto up = [&](size_t j) { return factors[j] == 1 ? terms[j] : ops::upsample_nearest(terms[j], factors[j]); };
  if (terms.size() == 1) return ops::relu(up(0));
  Var y = up(0);
  for (size_t j = 1; j < terms.size(); ++j) y = j + 1 == terms.size() ? ops::add_relu(y, up(j)) : ops::add(y, up(j));
  return y;
}

// Forward values and every input gradient of f, for a fixed seed gradient.
std::vector<Tensor> run_with_grads(const std::function<Var(const std::vector<Var>&)>& f,
                                   const std::vector<Tensor>& inputs, uint64_t seed) {
  std::vector<Var> v;
  for (const Tensor& t : inputs) v.emplace_back(t.clone(), true);
  Var y = f(v);
  Rng rng(seed);
  y.backward(randn(y.shape(), rng, 1.0, y.dtype()));
  std::vector<Tensor> out{y.value()};
  for (const Var& x : v) out.push_back(x.grad());
  return out;
}

template <typename T>
bool same_bits(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && same_bits(a.to_vector<T>(), b.to_vector<T>());
}

}  // namespace

TEMPLATE_TEST_CASE("exchange: fuse_sum_relu equals upsample + add ... add_relu bit for bit, with gradients",
                   "[exchange]", float, double) {
  const DType dt = std::is_same_v<TestType, float> ? DType::f32 : DType::f64;
  // Sizes divisible by the factors (upsample_nearest cannot crop): HRNet's four outputs of a
  // four-branch unit, the 12x9 map at the bottom of a factor-8 term, and small odd channels.
  const std::vector<Case> cases = {
      {2, 24, 16, 6, {1, 2, 4, 8}}, {2, 12, 8, 5, {1, 1, 2, 4}}, {1, 6, 4, 3, {1, 1, 1, 2}},
      {1, 8, 8, 3, {1, 1, 1, 1}},   {1, 96, 72, 2, {1, 2, 4, 8}}, {2, 6, 4, 7, {1, 2}},
      {1, 5, 3, 4, {1}},
  };
  for (const Case& c : cases) {
    INFO(case_name(c));
    Rng rng(33);
    std::vector<Tensor> in;
    for (int f : c.factors) in.push_back(randn(Shape{c.N, c.H / f, c.W / f, c.C}, rng, 1.0, dt));
    const std::vector<int> factors = c.factors;
    const auto fused = run_with_grads([&](const std::vector<Var>& v) { return ops::fuse_sum_relu(v, factors); }, in, 5);
    const auto plain = run_with_grads([&](const std::vector<Var>& v) { return unfused(v, factors); }, in, 5);
    for (size_t i = 0; i < fused.size(); ++i) {
      INFO((i == 0 ? "output" : "gradient of term " + std::to_string(i - 1)));
      CHECK(same_bits<TestType>(fused[i], plain[i]));
    }
  }
}

TEMPLATE_TEST_CASE("exchange: fuse_sum_relu with one variable as two terms sums both gradients", "[exchange]", float,
                   double) {
  const DType dt = std::is_same_v<TestType, float> ? DType::f32 : DType::f64;
  Rng rng(34);
  const std::vector<Tensor> in{randn(Shape{2, 9, 7, 5}, rng, 1.0, dt)};
  const auto fused =
      run_with_grads([](const std::vector<Var>& v) { return ops::fuse_sum_relu({v[0], v[0]}, {1, 1}); }, in, 6);
  const auto plain = run_with_grads([](const std::vector<Var>& v) { return ops::add_relu(v[0], v[0]); }, in, 6);
  CHECK(same_bits<TestType>(fused[0], plain[0]));
  CHECK(same_bits<TestType>(fused[1], plain[1]));
}

TEST_CASE("gradcheck fuse_sum_relu", "[gradcheck][exchange]") {
  // Odd sizes: the low-resolution terms have partial blocks at the right and bottom edges.
  const std::vector<Case> cases = {{2, 9, 7, 3, {1, 2, 4}}, {1, 5, 7, 2, {2, 1, 1, 8}}, {1, 3, 3, 2, {1}}};
  uint64_t seed = 40;
  for (const Case& c : cases) {
    DYNAMIC_SECTION(case_name(c)) {
      std::vector<Tensor> in;
      for (int f : c.factors) {
        Rng rng(seed++);
        const int s = log2_of(f);
        in.push_back(randn(Shape{c.N, kern::exchange_low_extent(c.H, s), kern::exchange_low_extent(c.W, s), c.C}, rng,
                           1.0, DType::f64));
      }
      const std::vector<int> factors = c.factors;
      const auto r = hr::test::gradcheck([&](const std::vector<Var>& v) { return ops::fuse_sum_relu(v, factors); }, in);
      INFO(r.worst);
      CHECK(r.elements_checked > 0);
      CHECK(r.max_rel_error < 1e-6);
    }
  }
}

TEST_CASE("fuse_sum_relu names the term at fault", "[exchange]") {
  const Var out(Tensor::zeros(Shape{2, 9, 7, 3}));
  const Var half(Tensor::zeros(Shape{2, 5, 4, 3})), wrong(Tensor::zeros(Shape{2, 4, 4, 3}));
  CHECK_NOTHROW(ops::fuse_sum_relu({out, half}, {1, 2}));
  CHECK_THROWS_WITH(ops::fuse_sum_relu({out, wrong}, {1, 2}),
                    Catch::Contains("term 1 is f32[2, 4, 4, 3]") && Catch::Contains("needs [2, 5, 4, 3]"));
  CHECK_THROWS_WITH(ops::fuse_sum_relu({wrong, out}, {2, 1}), Catch::Contains("term 0 is f32[2, 4, 4, 3]") &&
                                                                 Catch::Contains("the shape of term 1"));
  CHECK_THROWS_WITH(ops::fuse_sum_relu({out, half}, {1, 3}), Catch::Contains("term 1 has factor 3"));
  CHECK_THROWS_WITH(ops::fuse_sum_relu({out, out}, {1, 32}), Catch::Contains("term 1 has factor 32"));
  CHECK_THROWS_WITH(ops::fuse_sum_relu({half}, {2}), Catch::Contains("no term has factor 1"));
  CHECK_THROWS_WITH(ops::fuse_sum_relu({out, half}, {1}), Catch::Contains("2 terms but 1 factors"));
  CHECK_THROWS_WITH(ops::fuse_sum_relu({}, {}), Catch::Contains("no terms"));
  CHECK_THROWS_WITH(ops::fuse_sum_relu(std::vector<Var>(9, out), std::vector<int>(9, 1)), Catch::Contains("at most 8"));
  const Var f64(Tensor::zeros(Shape{2, 9, 7, 3}, DType::f64));
  CHECK_THROWS_WITH(ops::fuse_sum_relu({out, f64}, {1, 1}), Catch::Contains("fuse_sum_relu: term 1 is f64[2, 9, 7, 3]@cpu but term 0 is f32"));
  const Var flat(Tensor::zeros(Shape{2, 9, 7}));
  CHECK_THROWS_WITH(ops::fuse_sum_relu({out, flat}, {1, 1}), Catch::Contains("fuse_sum_relu term"));
}

TEST_CASE("exchange kernels refuse descriptors they cannot run", "[exchange]") {
  Buffers<float> b(Case{1, 4, 4, 2, {1, 2}}, true, 35);
  std::vector<float> y(b.out_elems());
  auto d = b.desc();
  d.term[1].shift = nullptr;
  CHECK_THROWS_WITH(kern::exchange_forward_cpu(d, y.data()), Catch::Contains("term 1: scale and shift"));
  d = b.desc();
  d.term[0].log2_factor = 5;
  CHECK_THROWS_WITH(kern::exchange_forward_emu(d, y.data()), Catch::Contains("term 0 has log2 factor 5"));
  d = b.desc();
  d.term[1].x = nullptr;
  CHECK_THROWS_WITH(kern::exchange_forward_emu(d, y.data()), Catch::Contains("term 1 has no input"));
  CHECK_NOTHROW(kern::exchange_backward_emu(d, y.data(), b.dy.data()));  // the backward needs no inputs
  d.count = 0;
  CHECK_THROWS_WITH(kern::exchange_backward_cpu(d, y.data(), b.dy.data()), Catch::Contains("0 terms"));
  d = b.desc();
  d.H = 0;
  CHECK_THROWS_WITH(kern::exchange_backward_emu(d, y.data(), b.dy.data()), Catch::Contains("empty output"));
}
