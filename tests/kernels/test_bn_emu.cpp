// The CUDA batch norm's block bodies (kernels/batchnorm/bn_blocks.h, moments_block.h) under the
// CPU grid emulator, through the same launch sequences as cuda.cu (bn_run.h), against the CPU
// kernels (the ground truth): training and eval, forward and backward, every fused tail.
// The training statistics are one-pass here and two-pass on the CPU, so they may differ in
// the order of double sums (a float ulp after rounding at worst): outputs are compared to
// 1e-6 of max(1, |expected|). Across emulator schedules the results must be the same bits.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "kernels/batchnorm/batchnorm.h"
#include "kernels/common/error.h"
#include "tests/support/random_floats.h"

using namespace hr;
using emu::EmuOptions;
using emu::Schedule;

namespace {

using Vec = std::vector<float>;

enum class Tail { None, Relu, ResidualRelu };
const char* tail_name(Tail t) { return t == Tail::None ? "none" : t == Tail::Relu ? "relu" : "residual+relu"; }

const EmuOptions kSchedules[] = {EmuOptions{Schedule::InOrder, 1}, EmuOptions{Schedule::Reversed, 1},
                                 EmuOptions{Schedule::Shuffled, 17}};

// Inputs of one case; gradients and running statistics start nonzero because every kernel
// accumulates into them (or updates them).
struct Case {
  int64_t rows;
  int C;
  Tail tail;
  Vec x, gamma, beta, residual, running_mean, running_var, dy, dx0, dgamma0, dbeta0, dres0;

  Case(int64_t r, int c, Tail t, uint64_t seed) : rows(r), C(c), tail(t) {
    Rng rng(seed);
    const size_t n = size_t(rows) * size_t(C), nc = size_t(C);
    x = test::random_floats(n, rng, -2.0, 3.0);
    for (size_t i = 0; i < n; ++i) x[i] += float(i % nc);  // channel means apart from each other
    gamma = test::random_floats(nc, rng, 0.5, 1.5);
    beta = test::random_floats(nc, rng, -0.5, 0.5);
    if (tail == Tail::ResidualRelu) residual = test::random_floats(n, rng, -1.0, 1.0);
    running_mean = test::random_floats(nc, rng, -1.0, 1.0);
    running_var = test::random_floats(nc, rng, 0.5, 2.0);
    dy = test::random_floats(n, rng, -1.0, 1.0);
    dx0 = test::random_floats(n, rng, -0.1, 0.1);
    dgamma0 = test::random_floats(nc, rng, -0.1, 0.1);
    dbeta0 = test::random_floats(nc, rng, -0.1, 0.1);
    dres0 = test::random_floats(n, rng, -0.1, 0.1);
  }
  kern::BnAct<float> act() const { return {residual.empty() ? nullptr : residual.data(), tail != Tail::None}; }
};

// Everything a forward or a backward writes, compared as a whole.
struct Out {
  std::vector<Vec> v;
  bool operator==(const Out& o) const { return v == o.v; }
};

void check_close(const Out& got, const Out& want, const char* what) {
  REQUIRE(got.v.size() == want.v.size());
  for (size_t k = 0; k < got.v.size(); ++k) {
    REQUIRE(got.v[k].size() == want.v[k].size());
    size_t bad = 0, first = 0;
    for (size_t i = 0; i < got.v[k].size(); ++i) {
      const double a = got.v[k][i], b = want.v[k][i];
      if (!(std::abs(a - b) <= 1e-6 * std::max(1.0, std::abs(b)))) {
        if (bad++ == 0) first = i;
      }
    }
    INFO(what << " output " << k << ": " << bad << " of " << got.v[k].size() << " differ, first at " << first << ": "
              << (bad ? got.v[k][first] : 0.f) << " vs " << (bad ? want.v[k][first] : 0.f));
    CHECK(bad == 0);
  }
}

Out forward(const Case& c, bool train, const EmuOptions* emu) {
  const int64_t n = c.rows * c.C;
  Out o{{Vec(size_t(n)), c.running_mean, c.running_var, Vec(size_t(c.C)), Vec(size_t(c.C))}};
  Vec &y = o.v[0], &rm = o.v[1], &rv = o.v[2], &sm = o.v[3], &si = o.v[4];
  const double eps = 1e-5, momentum = 0.1;
  if (train && emu)
    kern::bn_forward_train_emu(c.rows, c.C, c.x.data(), c.gamma.data(), c.beta.data(), eps, momentum, y.data(),
                               rm.data(), rv.data(), sm.data(), si.data(), c.act(), *emu);
  else if (train)
    kern::bn_forward_train_cpu(c.rows, c.C, c.x.data(), c.gamma.data(), c.beta.data(), eps, momentum, y.data(),
                               rm.data(), rv.data(), sm.data(), si.data(), c.act());
  else if (emu)
    kern::bn_forward_eval_emu(c.rows, c.C, c.x.data(), c.gamma.data(), c.beta.data(), rm.data(), rv.data(), eps,
                              y.data(), c.act(), *emu);
  else
    kern::bn_forward_eval_cpu(c.rows, c.C, c.x.data(), c.gamma.data(), c.beta.data(), rm.data(), rv.data(), eps,
                              y.data(), c.act());
  return o;
}

// Which gradients a backward call asks for: all of dx, dgamma and dbeta; only the residual's;
// or dgamma and dbeta without dx (a BN whose input needs no gradient).
enum class Want { All, ResidualOnly, ParamsOnly };

// fwd: the CPU forward's outputs (y for the ReLU mask, the saved statistics).
Out backward(const Case& c, bool train, const Out& fwd, Want want, const EmuOptions* emu) {
  const bool all = want == Want::All, params = want != Want::ResidualOnly;
  Out o{{c.dx0, c.dgamma0, c.dbeta0, c.dres0}};
  float* dx = all ? o.v[0].data() : nullptr;
  float* dg = params ? o.v[1].data() : nullptr;
  float* db = params ? o.v[2].data() : nullptr;
  float* dres = c.tail == Tail::ResidualRelu ? o.v[3].data() : nullptr;
  const float* y_relu = c.tail != Tail::None ? fwd.v[0].data() : nullptr;
  const double eps = 1e-5;
  const float *sm = fwd.v[3].data(), *si = fwd.v[4].data();
  if (train && emu)
    kern::bn_backward_train_emu(c.rows, c.C, c.x.data(), c.dy.data(), c.gamma.data(), sm, si, dx, dg, db, y_relu,
                                dres, *emu);
  else if (train)
    kern::bn_backward_train_cpu(c.rows, c.C, c.x.data(), c.dy.data(), c.gamma.data(), sm, si, dx, dg, db, y_relu,
                                dres);
  else if (emu)
    kern::bn_backward_eval_emu(c.rows, c.C, c.x.data(), c.dy.data(), c.gamma.data(), c.running_mean.data(),
                               c.running_var.data(), eps, dx, dg, db, y_relu, dres, *emu);
  else
    kern::bn_backward_eval_cpu(c.rows, c.C, c.x.data(), c.dy.data(), c.gamma.data(), c.running_mean.data(),
                               c.running_var.data(), eps, dx, dg, db, y_relu, dres);
  return o;
}

// One case: emulator (every schedule in `schedules`) against the CPU, forward and backward.
void run_case(int64_t rows, int C, Tail tail, bool train, int schedules) {
  INFO("rows " << rows << " C " << C << " tail " << tail_name(tail) << (train ? " training" : " eval"));
  const Case c(rows, C, tail, uint64_t(rows * 131 + C * 7 + int(tail)));
  const Out fwd_cpu = forward(c, train, nullptr);
  const Out bwd_cpu = backward(c, train, fwd_cpu, Want::All, nullptr);
  const Out res_cpu = backward(c, train, fwd_cpu, Want::ResidualOnly, nullptr);
  const Out par_cpu = backward(c, train, fwd_cpu, Want::ParamsOnly, nullptr);
  Out fwd0, bwd0, res0;
  for (int s = 0; s < schedules; ++s) {
    INFO("schedule " << s);
    const Out fwd = forward(c, train, &kSchedules[s]);
    const Out bwd = backward(c, train, fwd_cpu, Want::All, &kSchedules[s]);
    const Out res = backward(c, train, fwd_cpu, Want::ResidualOnly, &kSchedules[s]);
    if (s == 0) {
      check_close(fwd, fwd_cpu, "forward");
      check_close(bwd, bwd_cpu, "backward");
      check_close(res, res_cpu, "backward, residual gradient only");
      check_close(backward(c, train, fwd_cpu, Want::ParamsOnly, &kSchedules[s]), par_cpu,
                  "backward, dgamma and dbeta without dx");
      fwd0 = fwd, bwd0 = bwd, res0 = res;
    } else {
      CHECK(fwd == fwd0);
      CHECK(bwd == bwd0);
      CHECK(res == res0);
    }
  }
}

const Tail kTails[] = {Tail::None, Tail::Relu, Tail::ResidualRelu};

}  // namespace

TEST_CASE("emu bn: block bodies equal the CPU kernels, the same bits under every schedule", "[emu][batchnorm]") {
  // 1*9*7 rows: one reduction chunk; 3*12*9: two (of 162 rows), neither a multiple of the 8
  // row lanes; channels across the 32-wide tiles of the reductions.
  for (int64_t rows : {int64_t(1 * 9 * 7), int64_t(3 * 12 * 9)})
    for (int C : {1, 5, 33, 40, 130})  // 130: two blocks of the per-channel bodies (128 threads)
      for (Tail tail : kTails)
        for (bool train : {true, false}) run_case(rows, C, tail, train, 3);
}

TEST_CASE("emu bn: past the chunk cap and the elementwise grid cap", "[emu][batchnorm]") {
  // 2*128*1025 rows: more than 1024 chunks of 256 rows (the reduction's cap: chunks of 257
  // rows, the last one partial) and, with C = 5, more than the 4096 blocks of 256 threads
  // that the elementwise grid is capped at (the grid-stride loop runs a second round).
  const int64_t rows = 2 * 128 * 1025;
  for (Tail tail : kTails)
    for (bool train : {true, false}) run_case(rows, 5, tail, train, tail == Tail::ResidualRelu ? 2 : 1);
}

TEST_CASE("emu bn: an empty input is an error naming the call", "[emu][batchnorm]") {
  float v = 0.f;
  try {
    kern::bn_forward_eval_emu(0, 3, &v, &v, &v, &v, &v, 1e-5, &v);
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find("bn_forward_eval_emu") != std::string::npos);
  }
}

TEST_CASE("emu bn_apply: a training forward's output again from its saved statistics, bit for bit",
          "[emu][batchnorm]") {
  // What ops::batch_norm_relu_conv2d relies on in its backward, on the CUDA bodies (the CPU
  // side is the [fusion] test of the op).
  for (Tail tail : {Tail::None, Tail::Relu, Tail::ResidualRelu}) {
    INFO(tail_name(tail));
    Case c(63, 33, tail, 91);
    const size_t n = c.x.size(), nc = size_t(c.C);
    Vec y(n), mean(nc), invstd(nc), rm = c.running_mean, rv = c.running_var;
    kern::bn_forward_train_emu(c.rows, c.C, c.x.data(), c.gamma.data(), c.beta.data(), 1e-5, 0.1, y.data(),
                               rm.data(), rv.data(), mean.data(), invstd.data(), c.act());
    for (const EmuOptions& opt : kSchedules) {
      Vec again(n, std::nanf(""));
      kern::bn_apply_emu(c.rows, c.C, c.x.data(), mean.data(), invstd.data(), c.gamma.data(), c.beta.data(),
                         again.data(), c.act(), opt);
      CHECK(again == y);
    }
  }
  Vec out(4);
  CHECK_THROWS_WITH(kern::bn_apply_emu(0, 4, nullptr, nullptr, nullptr, nullptr, nullptr, out.data()),
                    Catch::Contains("bn_apply_emu: needs at least one row"));
}
