// The one-pass batch-norm moments (kernels/batchnorm/moments_block.h) under the CPU grid
// emulator, against the CPU's two-pass definition in double. The CUDA training forward uses
// these block bodies for its statistics; [cuda] parity tests compare the whole op with the CPU.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "kernels/batchnorm/batchnorm.h"
#include "tests/support/random_floats.h"

using namespace hr;
using emu::EmuOptions;
using emu::Schedule;

namespace {
// Two passes in double: the definition (and what bn_forward_train_cpu computes).
void two_pass(int64_t rows, int C, const std::vector<float>& x, std::vector<double>& mean, std::vector<double>& var) {
  mean.assign(size_t(C), 0.0);
  var.assign(size_t(C), 0.0);
  for (int64_t r = 0; r < rows; ++r)
    for (int c = 0; c < C; ++c) mean[size_t(c)] += x[size_t(r * C + c)];
  for (double& m : mean) m /= double(rows);
  for (int64_t r = 0; r < rows; ++r)
    for (int c = 0; c < C; ++c) {
      const double d = x[size_t(r * C + c)] - mean[size_t(c)];
      var[size_t(c)] += d * d;
    }
  for (double& v : var) v /= double(rows);
}

double rel(double a, double b) { return std::abs(a - b) / (std::abs(b) + 1e-300); }
}  // namespace

TEST_CASE("emu bn moments: one pass equals the two-pass definition to double rounding", "[emu][batchnorm]") {
  Rng rng(71);
  // Rows across the 8 lanes and the 256-row chunks (one chunk, several, a partial last one;
  // 262145 rows makes more than the 256-chunk cap); channels across the 32-wide tiles.
  const std::pair<int64_t, int> shapes[] = {{1, 1},   {7, 5},    {255, 33},   {256, 40},
                                            {257, 70}, {3000, 3}, {262145, 1}};
  for (auto [rows, C] : shapes)
    for (double offset : {0.0, 1e4}) {
      std::vector<float> x = test::random_floats(size_t(rows) * C, rng, -1.0, 1.0);
      for (float& v : x) v += float(offset);  // a large mean against a unit spread
      std::vector<double> mean(static_cast<size_t>(C)), var(static_cast<size_t>(C)), m_ref, v_ref;
      kern::bn_moments_emu(rows, C, x.data(), mean.data(), var.data());
      two_pass(rows, C, x, m_ref, v_ref);
      INFO("rows " << rows << " C " << C << " offset " << offset);
      for (int c = 0; c < C; ++c) {
        // The mean to double rounding of the data's scale (the chunk shift cancels against it).
        const double scale = std::abs(m_ref[size_t(c)]) + std::sqrt(v_ref[size_t(c)]);
        CHECK(std::abs(mean[size_t(c)] - m_ref[size_t(c)]) < 1e-13 * scale);
        if (rows > 1) CHECK(rel(var[size_t(c)], v_ref[size_t(c)]) < 1e-9);
      }
    }
}

TEST_CASE("emu bn moments: constant channels have variance 0, results do not depend on the schedule",
          "[emu][batchnorm]") {
  const int64_t rows = 600;
  const int C = 3;
  std::vector<float> x(size_t(rows) * C);
  Rng rng(72);
  for (int64_t r = 0; r < rows; ++r) {
    x[size_t(r * C)] = 3.25f;  // constant
    x[size_t(r * C + 1)] = float(rng.uniform(-2.0, 2.0));
    x[size_t(r * C + 2)] = 1e4f + float(rng.uniform(-1.0, 1.0));
  }
  std::vector<double> m0, v0;
  for (const EmuOptions& opt : {EmuOptions{Schedule::InOrder, 1}, EmuOptions{Schedule::Reversed, 1},
                                EmuOptions{Schedule::Shuffled, 9}}) {
    std::vector<double> mean(C), var(C);
    kern::bn_moments_emu(rows, C, x.data(), mean.data(), var.data(), opt);
    CHECK(mean[0] == 3.25);
    CHECK(var[0] == 0.0);
    if (m0.empty()) m0 = mean, v0 = var;
    CHECK(mean == m0);
    CHECK(var == v0);
  }
}
