#include "kernels/common/gemm.h"

#include <Eigen/Core>

#if defined(HRNET_WITH_OPENBLAS)
#include <cblas.h>
#endif

namespace hr::kern {
namespace {

#if !defined(HRNET_WITH_OPENBLAS)
template <typename T>
using RowMajor = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <typename T>
using Map = Eigen::Map<const RowMajor<T>, 0, Eigen::OuterStride<>>;
template <typename T>
using MutMap = Eigen::Map<RowMajor<T>, 0, Eigen::OuterStride<>>;

template <typename T>
void eigen_gemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, const T* A, int64_t lda, const T* B,
                int64_t ldb, T beta, T* C, int64_t ldc) {
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
#endif

}  // namespace

template <>
void gemm<float>(bool ta, bool tb, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda,
                 const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  if (M == 0 || N == 0) return;
#if defined(HRNET_WITH_OPENBLAS)
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, int(M), int(N),
              int(K), 1.0f, A, int(lda), B, int(ldb), beta, C, int(ldc));
#else
  eigen_gemm<float>(ta, tb, M, N, K, A, lda, B, ldb, beta, C, ldc);
#endif
}

template <>
void gemm<double>(bool ta, bool tb, int64_t M, int64_t N, int64_t K, const double* A, int64_t lda,
                  const double* B, int64_t ldb, double beta, double* C, int64_t ldc) {
  if (M == 0 || N == 0) return;
#if defined(HRNET_WITH_OPENBLAS)
  cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, int(M), int(N),
              int(K), 1.0, A, int(lda), B, int(ldb), beta, C, int(ldc));
#else
  eigen_gemm<double>(ta, tb, M, N, K, A, lda, B, ldb, beta, C, ldc);
#endif
}

const char* gemm_backend() {
#if defined(HRNET_WITH_OPENBLAS)
  return "openblas-serial";
#else
  return "eigen";
#endif
}

}  // namespace hr::kern
