#include "kernels/common/gemm.h"

#include <Eigen/Core>


namespace hr::kern {
namespace {

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

}  // namespace

template <typename T>
void gemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, const T* A, int64_t lda, const T* B,
          int64_t ldb, T beta, T* C, int64_t ldc) {
  if (M == 0 || N == 0) return;
  eigen_gemm<T>(ta, tb, M, N, K, A, lda, B, ldb, beta, C, ldc);
}

template void gemm<float>(bool, bool, int64_t, int64_t, int64_t, const float*, int64_t, const float*,
                          int64_t, float, float*, int64_t);
template void gemm<double>(bool, bool, int64_t, int64_t, int64_t, const double*, int64_t, const double*,
                           int64_t, double, double*, int64_t);

const char* gemm_backend() { return "eigen"; }

}  // namespace hr::kern
