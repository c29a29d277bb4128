#include "kernels/common/gemm.h"

#include <Eigen/Core>
#include <cstdlib>
#include <cstring>

#include "kernels/common/sgemm_avx2.h"

namespace hr::kern {
namespace {

template <typename T>
using RowMajor = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <typename T>
using Map = Eigen::Map<const RowMajor<T>, 0, Eigen::OuterStride<>>;
template <typename T>
using MutMap = Eigen::Map<RowMajor<T>, 0, Eigen::OuterStride<>>;

// Decided once: the CPU cannot change under a running process, and the environment is read
// before any worker thread calls in.
bool detect_avx2() {
#if defined(__x86_64__)
  const char* env = std::getenv("HRNET_GEMM");
  if (env && std::strcmp(env, "eigen") == 0) return false;
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return false;
#endif
}

}  // namespace

bool gemm_uses_avx2() {
  static const bool on = detect_avx2();
  return on;
}

template <typename T>
void gemm_eigen(bool ta, bool tb, int64_t M, int64_t N, int64_t K, const T* A, int64_t lda, const T* B,
                int64_t ldb, T beta, T* C, int64_t ldc) {
  if (M == 0 || N == 0) return;
  // A is stored [M x K] (or [K x M] when transposed), B [K x N] (or [N x K]).
  const Map<T> a(A, ta ? K : M, ta ? M : K, Eigen::OuterStride<>(lda));
  const Map<T> b(B, tb ? N : K, tb ? K : N, Eigen::OuterStride<>(ldb));
  MutMap<T> c(C, M, N, Eigen::OuterStride<>(ldc));
  auto assign = [&](const auto& lhs, const auto& rhs) {
    if (beta == T(0))
      c.noalias() = lhs * rhs;
    else
      c.noalias() += lhs * rhs;
  };
  if (!ta && !tb) assign(a, b);
  else if (!ta && tb) assign(a, b.transpose());
  else if (ta && !tb) assign(a.transpose(), b);
  else assign(a.transpose(), b.transpose());
}

template <typename T>
void gemm_reference(bool ta, bool tb, int64_t M, int64_t N, int64_t K, const T* A, int64_t lda,
                    const T* B, int64_t ldb, T beta, T* C, int64_t ldc) {
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j) {
      T sum = 0;
      for (int64_t k = 0; k < K; ++k)
        sum += (ta ? A[k * lda + i] : A[i * lda + k]) * (tb ? B[j * ldb + k] : B[k * ldb + j]);
      T& c = C[i * ldc + j];
      c = beta == T(0) ? sum : beta * c + sum;
    }
}

template <>
void gemm<float>(bool ta, bool tb, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda,
                 const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  if (M == 0 || N == 0) return;
#if defined(__x86_64__)
  if (gemm_uses_avx2()) {
    sgemm_avx2(ta, tb, M, N, K, A, lda, B, ldb, beta, C, ldc);
    return;
  }
#endif
  gemm_eigen<float>(ta, tb, M, N, K, A, lda, B, ldb, beta, C, ldc);
}

template <>
void gemm<double>(bool ta, bool tb, int64_t M, int64_t N, int64_t K, const double* A, int64_t lda,
                  const double* B, int64_t ldb, double beta, double* C, int64_t ldc) {
  gemm_eigen<double>(ta, tb, M, N, K, A, lda, B, ldb, beta, C, ldc);
}

#define HR_INSTANTIATE_GEMM(T)                                                                   \
  template void gemm_eigen<T>(bool, bool, int64_t, int64_t, int64_t, const T*, int64_t, const T*, \
                              int64_t, T, T*, int64_t);                                          \
  template void gemm_reference<T>(bool, bool, int64_t, int64_t, int64_t, const T*, int64_t,       \
                                  const T*, int64_t, T, T*, int64_t);
HR_INSTANTIATE_GEMM(float)
HR_INSTANTIATE_GEMM(double)
#undef HR_INSTANTIATE_GEMM

const char* gemm_backend() { return gemm_uses_avx2() ? "avx2-fma" : "eigen"; }

}  // namespace hr::kern
