// The CPU grid emulator (kernels/emu) and the first native kernel written for it
// (kernels/conv1x1). The native kernel runs here exactly as nvcc compiles it for the GPU,
// only scheduled by the emulator; tests/cuda/test_cuda_native.cpp compares the two on a GPU.
#include <catch2/catch.hpp>

#include <cmath>
#include <set>
#include <tuple>
#include <vector>

#include "engine/random.h"
#include "kernels/common/conv_shape.h"
#include "kernels/common/error.h"
#include "kernels/conv/conv.h"
#include "kernels/conv1x1/conv1x1.h"
#include "kernels/emu/cpu_block.h"

using namespace hr;
using emu::EmuOptions;
using emu::Schedule;

namespace {

std::vector<float> random_floats(size_t n, Rng& rng) {
  std::vector<float> v(n);
  for (float& f : v) f = float(rng.uniform(-1.0, 1.0));
  return v;
}

// The kernel's documented arithmetic, serially: fmaf over k in order from 0, then + bias.
std::vector<float> conv1x1_serial_fma(int64_t M, int Cin, int Cout, const std::vector<float>& x,
                                      const std::vector<float>& w, const float* bias) {
  std::vector<float> y(size_t(M) * Cout);
  for (int64_t m = 0; m < M; ++m)
    for (int n = 0; n < Cout; ++n) {
      float a = 0.f;
      for (int k = 0; k < Cin; ++k) a = std::fmaf(x[size_t(m * Cin + k)], w[size_t(n) * Cin + k], a);
      y[size_t(m * Cout + n)] = bias ? a + bias[n] : a;
    }
  return y;
}

const std::vector<EmuOptions> kSchedules = {
    {Schedule::InOrder, 1}, {Schedule::Reversed, 1}, {Schedule::Shuffled, 1}, {Schedule::Shuffled, 7}};

struct Shape3 { int64_t M; int Cin, Cout; };
// Odd sizes, exact tiles (64) and one past them, several K slices (16) and a partial one.
const Shape3 kShapes[] = {{1, 1, 1},    {37, 5, 7},   {37, 19, 33}, {64, 16, 64},
                          {65, 17, 65}, {130, 33, 70}, {12 * 9, 48, 18}};

}  // namespace

TEST_CASE("emu conv1x1: the native kernel equals its serial fmaf definition bit for bit", "[emu]") {
  Rng rng(21);
  for (const Shape3& s : kShapes)
    for (bool with_bias : {false, true}) {
      const auto x = random_floats(size_t(s.M) * s.Cin, rng), w = random_floats(size_t(s.Cout) * s.Cin, rng);
      const auto b = random_floats(size_t(s.Cout), rng);
      const float* bias = with_bias ? b.data() : nullptr;
      std::vector<float> y(size_t(s.M) * s.Cout, -7.f);
      kern::conv1x1_forward_emu(s.M, s.Cin, s.Cout, x.data(), w.data(), bias, y.data());
      INFO("M " << s.M << " Cin " << s.Cin << " Cout " << s.Cout << " bias " << with_bias);
      CHECK(y == conv1x1_serial_fma(s.M, s.Cin, s.Cout, x, w, bias));
    }
}

TEST_CASE("emu conv1x1: the native kernel matches the CPU conv2d with K = 1", "[emu]") {
  Rng rng(22);
  // N, H, W, Cin, Cout: HRNet-like odd maps (12x9 at 1/32 of 384x288) and tile edges.
  const int cases[][5] = {{1, 37, 1, 19, 33}, {2, 12, 9, 48, 18}, {1, 9, 7, 5, 7}, {3, 5, 5, 32, 65}};
  for (const auto& c : cases) {
    const kern::ConvDesc d = kern::make_conv_desc(c[0], c[1], c[2], c[3], c[4], 1, 1);
    const auto x = random_floats(size_t(d.in_elems()), rng), w = random_floats(size_t(d.weight_elems()), rng);
    const auto b = random_floats(size_t(d.Cout), rng);
    std::vector<float> ref(size_t(d.out_elems())), y(size_t(d.out_elems()));
    kern::conv2d_forward_cpu<float>(d, x.data(), w.data(), b.data(), ref.data());
    kern::conv1x1_forward_emu(d.rows(), d.Cin, d.Cout, x.data(), w.data(), b.data(), y.data());
    double worst = 0;
    for (size_t i = 0; i < y.size(); ++i) worst = std::max(worst, double(std::abs(y[i] - ref[i])));
    INFO("N " << c[0] << " H " << c[1] << " W " << c[2] << " Cin " << c[3] << " Cout " << c[4]);
    // Sums of Cin products of values in [-1, 1], in another order: fp32 rounding only.
    CHECK(worst < 1e-5 * d.Cin);
  }
}

TEST_CASE("emu conv1x1: the result does not depend on the thread and block schedule", "[emu]") {
  Rng rng(23);
  const Shape3 s{130, 33, 70};
  const auto x = random_floats(size_t(s.M) * s.Cin, rng), w = random_floats(size_t(s.Cout) * s.Cin, rng);
  std::vector<float> first;
  for (const EmuOptions& opt : kSchedules) {
    std::vector<float> y(size_t(s.M) * s.Cout);
    kern::conv1x1_forward_emu(s.M, s.Cin, s.Cout, x.data(), w.data(), nullptr, y.data(), opt);
    if (first.empty()) first = y;
    INFO("schedule " << int(opt.schedule) << " seed " << opt.seed);
    CHECK(y == first);
  }
}

namespace {

// Deliberately racy block bodies: each thread publishes a value in shared memory and takes its
// right-hand neighbour's. Read-after-write needs a barrier between the store and the load;
// write-after-read (the neighbour's OLD value, then overwrite) needs one between the load and
// the store. With the barrier the result is a rotation of the input under every schedule.
enum class Hazard { ReadAfterWrite, WriteAfterRead };
struct NeighbourParams {
  const float* in;
  float* out;
  Hazard hazard;
  bool barrier;
};
struct NeighbourBody {
  template <typename Ctx>
  static void run(Ctx& ctx, const NeighbourParams& p) {
    const int n = ctx.block_dim().count();
    auto s = ctx.template shared<float>(n);
    auto r = ctx.template regs<float, 1>();
    if (p.hazard == Hazard::ReadAfterWrite) {
      ctx.for_each_thread([&](emu::Thread t) { s[t.id] = p.in[t.id]; });
      if (p.barrier) ctx.barrier();
      ctx.for_each_thread([&](emu::Thread t) { p.out[t.id] = s[(t.id + 1) % n]; });
    } else {
      ctx.for_each_thread([&](emu::Thread t) { s[t.id] = p.in[t.id]; });
      ctx.barrier();
      ctx.for_each_thread([&](emu::Thread t) { r[t][0] = s[(t.id + 1) % n]; });
      if (p.barrier) ctx.barrier();
      ctx.for_each_thread([&](emu::Thread t) { s[t.id] = -1.f; });
      ctx.barrier();
      ctx.for_each_thread([&](emu::Thread t) { p.out[t.id] = r[t][0]; });
    }
    ctx.end_block();
  }
};

}  // namespace

TEST_CASE("emu: a missing barrier gives a wrong result under every schedule", "[emu]") {
  const int n = 48;
  std::vector<float> in(n), expect(n);
  for (int i = 0; i < n; ++i) in[size_t(i)] = float(i + 1);
  for (int i = 0; i < n; ++i) expect[size_t(i)] = in[size_t((i + 1) % n)];
  for (Hazard h : {Hazard::ReadAfterWrite, Hazard::WriteAfterRead})
    for (const EmuOptions& opt : kSchedules) {
      INFO("hazard " << int(h) << " schedule " << int(opt.schedule) << " seed " << opt.seed);
      std::vector<float> out(n, 0.f);
      emu::run_grid<NeighbourBody>(emu::Dim3{1, 1, 1}, emu::Dim3{8, 3, 2}, n * 4, NeighbourParams{in.data(), out.data(), h, true},
                                   opt);
      CHECK(out == expect);
      emu::run_grid<NeighbourBody>(emu::Dim3{1, 1, 1}, emu::Dim3{8, 3, 2}, n * 4,
                                   NeighbourParams{in.data(), out.data(), h, false}, opt);
      CHECK(out != expect);
    }
}

namespace {
// Records which (block, thread) ran, to check the emulator's coverage and coordinates.
struct VisitParams {
  std::vector<std::tuple<int, int, int, int, int, int>>* visits;
};
struct VisitBody {
  template <typename Ctx>
  static void run(Ctx& ctx, const VisitParams& p) {
    const emu::Dim3 b = ctx.block_idx();
    ctx.for_each_thread([&](emu::Thread t) { p.visits->emplace_back(b.x, b.y, b.z, t.x, t.y, t.z); });
    ctx.end_block();
  }
};
}  // namespace

TEST_CASE("emu: every thread of every block runs once, with CUDA's coordinates", "[emu]") {
  const emu::Dim3 grid{3, 2, 2}, block{5, 3, 2};
  for (const EmuOptions& opt : kSchedules) {
    std::vector<std::tuple<int, int, int, int, int, int>> visits;
    emu::run_grid<VisitBody>(grid, block, 0, VisitParams{&visits}, opt);
    const std::set<std::tuple<int, int, int, int, int, int>> unique(visits.begin(), visits.end());
    CHECK(visits.size() == size_t(grid.count() * block.count()));
    CHECK(unique.size() == visits.size());
    for (const auto& [bx, by, bz, tx, ty, tz] : unique) {
      CHECK((bx < grid.x && by < grid.y && bz < grid.z && tx < block.x && ty < block.y && tz < block.z));
    }
  }
  // threadIdx numbering: x fastest, then y, then z.
  const emu::Thread t = emu::thread_of(5 * 3 + 2 * 5 + 4, block);
  CHECK((t.x == 4 && t.y == 2 && t.z == 1));
}

namespace {
enum class Misuse { None, BarrierInPhase, NoEndBlock, SharedOutOfRange, SharedOverflow };
struct MisuseBody {
  template <typename Ctx>
  static void run(Ctx& ctx, const Misuse& m) {
    auto s = ctx.template shared<float>(4);
    switch (m) {
      case Misuse::None:
        ctx.for_each_thread([&](emu::Thread t) { s[t.id] = 0.f; });
        break;
      case Misuse::BarrierInPhase:
        ctx.for_each_thread([&](emu::Thread t) {
          if (t.id == 0) ctx.barrier();
        });
        break;
      case Misuse::NoEndBlock:
        ctx.for_each_thread([&](emu::Thread t) { s[t.id] = 0.f; });
        return;
      case Misuse::SharedOutOfRange:
        ctx.for_each_thread([&](emu::Thread t) { s[t.id + 1] = 0.f; });
        break;
      case Misuse::SharedOverflow:
        ctx.template shared<float>(1);
        break;
    }
    ctx.end_block();
  }
};
}  // namespace

TEST_CASE("emu: misuse of the execution context is an error, not a silent result", "[emu]") {
  const auto run = [](Misuse m) { emu::run_grid<MisuseBody>(emu::Dim3{2, 1, 1}, emu::Dim3{4, 1, 1}, 16, m); };
  CHECK_THROWS_WITH(run(Misuse::BarrierInPhase), Catch::Contains("divergent"));
  CHECK_THROWS_WITH(run(Misuse::NoEndBlock), Catch::Contains("end_block"));
  CHECK_THROWS_WITH(run(Misuse::SharedOutOfRange), Catch::Contains("out of range"));
  CHECK_THROWS_WITH(run(Misuse::SharedOverflow), Catch::Contains("more shared memory"));
  CHECK_NOTHROW(run(Misuse::None));  // the same body used correctly
}
