// The fast float GEMM (our AVX2/FMA kernel, or Eigen where the CPU lacks those) against the
// three-loop reference, on sizes that hit every edge of its blocking: rows not a multiple of
// the 6-row strip, columns not a multiple of the 16-column panel, K across the 256-step
// block, padded leading dimensions, both transposes, beta 0 and 1.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <vector>

#include "kernels/common/gemm.h"
#include "kernels/common/sgemm_avx2.h"

using namespace hr::kern;

namespace {

// Deterministic values in [-1, 1).
std::vector<float> lcg_values(size_t n, uint32_t seed) {
  std::vector<float> v(n);
  uint32_t s = seed * 2654435761u + 1;
  for (auto& x : v) {
    s = s * 1664525u + 1013904223u;
    x = float(int32_t(s >> 8) - (1 << 23)) / float(1 << 23);
  }
  return v;
}

using GemmFn = void (*)(bool, bool, int64_t, int64_t, int64_t, const float*, int64_t, const float*,
                        int64_t, float, float*, int64_t);

// Runs `fn` on one case and checks every element against a double-precision product, to
// within float rounding of a K-term sum: 1e-5 of (sum |a||b| + |beta*c0|).
void check_case(GemmFn fn, bool ta, bool tb, int64_t M, int64_t N, int64_t K, float beta) {
  CAPTURE(ta, tb, M, N, K, beta);
  // Leading dimensions wider than the matrix, as the conv code passes for sub-blocks.
  const int64_t lda = (ta ? M : K) + 3, ldb = (tb ? K : N) + 5, ldc = N + 2;
  const auto a = lcg_values(size_t((ta ? K : M) * lda), 1 + uint32_t(M));
  const auto b = lcg_values(size_t((tb ? N : K) * ldb), 2 + uint32_t(N));
  const auto c0 = lcg_values(size_t(M * ldc), 3 + uint32_t(K));
  auto c = c0;
  fn(ta, tb, M, N, K, a.data(), lda, b.data(), ldb, beta, c.data(), ldc);
  double worst = 0;
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j) {
      double sum = 0, mag = 0;
      for (int64_t k = 0; k < K; ++k) {
        const double p = double(ta ? a[k * lda + i] : a[i * lda + k]) * (tb ? b[j * ldb + k] : b[k * ldb + j]);
        sum += p;
        mag += std::abs(p);
      }
      const double expect = double(beta) * c0[i * ldc + j] + sum;
      mag += std::abs(double(beta) * c0[i * ldc + j]);
      worst = std::max(worst, std::abs(c[i * ldc + j] - expect) / (mag + 1e-30));
    }
  CHECK(worst < 1e-5);
  // Padding columns of C stay untouched.
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = N; j < ldc; ++j) REQUIRE(c[i * ldc + j] == c0[i * ldc + j]);
}

void check_all_shapes(GemmFn fn) {
  for (int t = 0; t < 4; ++t) {
    const bool ta = t & 1, tb = t & 2;
    for (int64_t M : {1, 7, 17, 63})
      for (int64_t N : {1, 7, 16, 17, 129})
        for (int64_t K : {1, 17, 300})
          for (float beta : {0.0f, 1.0f}) check_case(fn, ta, tb, M, N, K, beta);
    // More rows than one 240-row block, K over two 256-step blocks, N with a narrow last panel.
    check_case(fn, ta, tb, 250, 40, 513, 1.0f);
    check_case(fn, ta, tb, 13, 33, 129, 0.0f);
    check_case(fn, ta, tb, 6, 16, 63, 1.0f);
  }
}

}  // namespace

TEST_CASE("gemm reference: a hand-computed 2x2 product with beta 1", "[gemm]") {
  const std::vector<float> a{1, 2, 3, 4}, b{5, 6, 7, 8};
  std::vector<float> c{1, 1, 1, 1};
  gemm_reference<float>(false, false, 2, 2, 2, a.data(), 2, b.data(), 2, 1.0f, c.data(), 2);
  CHECK(c == std::vector<float>{20, 23, 44, 51});
  gemm_reference<float>(true, true, 2, 2, 2, a.data(), 2, b.data(), 2, 0.0f, c.data(), 2);
  CHECK(c == std::vector<float>{23, 31, 34, 46});  // a^T b^T
}

TEST_CASE("gemm<float> matches the reference on odd sizes, transposes, leading dims", "[gemm]") {
  INFO("backend " << gemm_backend());
  check_all_shapes(&gemm<float>);
}

TEST_CASE("gemm_eigen matches the reference", "[gemm]") { check_all_shapes(&gemm_eigen<float>); }

#if defined(__x86_64__)
TEST_CASE("sgemm_avx2 matches the reference", "[gemm]") {
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) {
    WARN("CPU without AVX2/FMA: the AVX2 GEMM is not exercised");
    return;
  }
  check_all_shapes(&sgemm_avx2);
}

TEST_CASE("sgemm_avx2: a row's result does not depend on M or on where the row starts", "[gemm]") {
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) return;
  // The conv splits rows over threads and tiles; a row must come out bit-identical whatever
  // strip or block it lands in, so results are independent of the thread count.
  const int64_t M = 257, N = 37, K = 300;
  const auto a = lcg_values(size_t(M * K), 11);
  const auto b = lcg_values(size_t(K * N), 12);
  std::vector<float> full(size_t(M * N)), part(size_t(M * N));
  sgemm_avx2(false, false, M, N, K, a.data(), K, b.data(), N, 0.0f, full.data(), N);
  for (int64_t start : {1, 5, 100, 241}) {
    sgemm_avx2(false, false, M - start, N, K, a.data() + start * K, K, b.data(), N, 0.0f,
               part.data(), N);
    for (int64_t i = 0; i < (M - start) * N; ++i) REQUIRE(part[size_t(i)] == full[size_t(start * N + i)]);
  }
}
#endif
