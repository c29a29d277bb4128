// The CPU grid emulator (kernels/emu) itself: coverage, schedules, the hazards it exposes and
// the misuse it refuses. The native kernels written for it are tested in test_conv_native.cpp.
#include <catch2/catch.hpp>

#include <set>
#include <tuple>
#include <vector>

#include "kernels/common/error.h"
#include "kernels/common/hd.h"
#include "kernels/emu/cpu_block.h"

using namespace hr;
using emu::EmuOptions;
using emu::Schedule;

namespace {
const std::vector<EmuOptions> kSchedules = {
    {Schedule::InOrder, 1}, {Schedule::Reversed, 1}, {Schedule::Shuffled, 1}, {Schedule::Shuffled, 7}};
}  // namespace

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

TEST_CASE("emu: a missing barrier is a race error, and a wrong result under every schedule without the check",
          "[emu]") {
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
      // The race check names the race whatever the schedule...
      CHECK_THROWS_WITH(emu::run_grid<NeighbourBody>(emu::Dim3{1, 1, 1}, emu::Dim3{8, 3, 2}, n * 4,
                                                     NeighbourParams{in.data(), out.data(), h, false}, opt),
                        Catch::Contains("shared-memory race") && Catch::Contains("no barrier between"));
      // ...and without it the schedules still make the result wrong.
      EmuOptions unchecked = opt;
      unchecked.racecheck = false;
      emu::run_grid<NeighbourBody>(emu::Dim3{1, 1, 1}, emu::Dim3{8, 3, 2}, n * 4,
                                   NeighbourParams{in.data(), out.data(), h, false}, unchecked);
      CHECK(out != expect);
    }
}

namespace {
// A race no output shows: thread 0 writes a word that thread 1 reads in the same segment, but
// thread 1 only copies it into shared memory nobody reads afterwards, so no result depends on
// the order. Only the race check sees it; with the barrier it is silent.
struct HiddenRaceParams {
  float* out;
  bool barrier;
};
struct HiddenRaceBody {
  template <typename Ctx>
  static void run(Ctx& ctx, const HiddenRaceParams& p) {
    auto s = ctx.template shared<float>(2);
    ctx.for_each_thread([&](emu::Thread t) {
      if (t.id == 0) s[0] = 1.f;
    });
    if (p.barrier) ctx.barrier();
    ctx.for_each_thread([&](emu::Thread t) {
      if (t.id == 1) s[1] = s[0];
    });
    ctx.end_block();
  }
};
}  // namespace

TEST_CASE("emu race check: finds a race that changes no result, and is silent with the barrier", "[emu]") {
  float out = 0.f;
  CHECK_NOTHROW(emu::run_grid<HiddenRaceBody>(emu::Dim3{1, 1, 1}, emu::Dim3{2, 1, 1}, 8, HiddenRaceParams{&out, true}));
  CHECK_THROWS_WITH(emu::run_grid<HiddenRaceBody>(emu::Dim3{1, 1, 1}, emu::Dim3{2, 1, 1}, 8,
                                                  HiddenRaceParams{&out, false}),
                    Catch::Contains("thread 1 reads byte offset 0, which thread 0 wrote"));
  EmuOptions off;
  off.racecheck = false;
  CHECK_NOTHROW(emu::run_grid<HiddenRaceBody>(emu::Dim3{1, 1, 1}, emu::Dim3{2, 1, 1}, 8,
                                              HiddenRaceParams{&out, false}, off));
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
  // Grid and block extents beyond CUDA's launch limits.
  CHECK_THROWS_WITH(emu::run_grid<MisuseBody>(emu::Dim3{1, 65536, 1}, emu::Dim3{4, 1, 1}, 16, Misuse::None),
                    Catch::Contains("beyond CUDA's limits"));
  CHECK_THROWS_WITH(emu::run_grid<MisuseBody>(emu::Dim3{1, 1, 1}, emu::Dim3{1, 1, 65}, 16, Misuse::None),
                    Catch::Contains("beyond CUDA's limits"));
  // A launch asking for more than the 48 KiB of dynamic shared memory a GPU grants by default.
  CHECK_THROWS_WITH(emu::run_grid<MisuseBody>(emu::Dim3{1, 1, 1}, emu::Dim3{4, 1, 1}, 48 * 1024 + 16, Misuse::None),
                    Catch::Contains("48 KiB"));
}

namespace {
// Every block writes out[0] (a race between blocks: their order is undefined), or its own
// element out[block].
struct GlobalRaceParams {
  emu::GlobalPtr<float> out;
  bool shared_slot;
};
struct GlobalRaceBody {
  template <typename Ctx>
  static void run(Ctx& ctx, const GlobalRaceParams& p) {
    const int b = ctx.block_idx().x;
    ctx.for_each_thread([&](emu::Thread t) {
      if (t.id == 0) p.out[p.shared_slot ? 0 : b] = float(b);
    });
    ctx.end_block();
  }
};
}  // namespace

TEST_CASE("emu race check: two blocks writing one global element is an error", "[emu]") {
  std::vector<float> out(4, 0.f);
  CHECK_NOTHROW(emu::run_grid<GlobalRaceBody>(emu::Dim3{4, 1, 1}, emu::Dim3{2, 1, 1}, 0,
                                              GlobalRaceParams{out.data(), false}));
  CHECK(out == std::vector<float>{0.f, 1.f, 2.f, 3.f});
  CHECK_THROWS_WITH(emu::run_grid<GlobalRaceBody>(emu::Dim3{4, 1, 1}, emu::Dim3{2, 1, 1}, 0,
                                                  GlobalRaceParams{out.data(), true}),
                    Catch::Contains("global-memory race: block 1 writes an element that block 0 wrote"));
  EmuOptions off;
  off.racecheck = false;
  CHECK_NOTHROW(emu::run_grid<GlobalRaceBody>(emu::Dim3{4, 1, 1}, emu::Dim3{2, 1, 1}, 0,
                                              GlobalRaceParams{out.data(), true}, off));
  // Outside a launch (a serial reference calling the same code) nothing is checked.
  const emu::GlobalPtr<float> plain(out.data());
  plain[0] = 1.f;
  plain[0] = 2.f;
  CHECK(out[0] == 2.f);
}

namespace {
// Two threads of one block write out[0]: in one segment (a race on a GPU too) or with a barrier
// between (ordered).
struct ThreadGlobalRaceBody {
  template <typename Ctx>
  static void run(Ctx& ctx, const GlobalRaceParams& p) {
    ctx.for_each_thread([&](emu::Thread t) {
      if (t.id == 0) p.out[0] = 1.f;
    });
    if (!p.shared_slot) ctx.barrier();
    ctx.for_each_thread([&](emu::Thread t) {
      if (t.id == 1) p.out[0] = 2.f;
    });
    ctx.end_block();
  }
};
}  // namespace

TEST_CASE("emu race check: two threads of a block writing one global element without a barrier", "[emu]") {
  std::vector<float> out(1, 0.f);
  CHECK_NOTHROW(emu::run_grid<ThreadGlobalRaceBody>(emu::Dim3{1, 1, 1}, emu::Dim3{2, 1, 1}, 0,
                                                    GlobalRaceParams{out.data(), false}));
  CHECK(out[0] == 2.f);
  for (Schedule s : {Schedule::InOrder, Schedule::Reversed})
    CHECK_THROWS_WITH(emu::run_grid<ThreadGlobalRaceBody>(emu::Dim3{1, 1, 1}, emu::Dim3{2, 1, 1}, 0,
                                                          GlobalRaceParams{out.data(), true}, EmuOptions{s, 1}),
                      Catch::Contains("global-memory race: thread") && Catch::Contains("in the same segment"));
}

TEST_CASE("index_div / index_mod equal the 64-bit operators on both sides of 2^31", "[emu]") {
  const int64_t big = int64_t(1) << 31;
  for (int64_t i : {int64_t(0), int64_t(1), int64_t(12345), big - 1, big, big + 7, int64_t(5) << 40})
    for (int64_t m : {int64_t(1), int64_t(3), int64_t(17), int64_t(384), big - 1, big + 3}) {
      INFO("i " << i << " m " << m);
      CHECK(kern::index_div(i, m) == i / m);
      CHECK(kern::index_mod(i, m) == i % m);
    }
}
