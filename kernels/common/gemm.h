// One single-threaded row-major GEMM for the CPU kernels:
//   C[M x N] = beta * C + op(A) * op(B),  op(X) = X or X^T,  beta 0 or 1.
// Callers parallelise over tiles themselves (the thread pool), so the GEMM must not spawn
// threads, and must be safe to call from several threads at once.
//
// float runs our own AVX2/FMA kernel (sgemm_avx2.h) where the CPU has both, else Eigen;
// double (gradient checks) always runs Eigen. HRNET_GEMM=eigen forces Eigen for float too,
// for side-by-side benchmarks. (OpenBLAS's serial build was tried before our kernel existed:
// fast, but concurrent calls from our workers gave intermittent wrong results.)
#pragma once
#include <cstdint>

namespace hr::kern {

template <typename T>
void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, const T* A, int64_t lda,
          const T* B, int64_t ldb, T beta, T* C, int64_t ldc);

// Eigen's GEMM, the portable fallback (same contract).
template <typename T>
void gemm_eigen(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, const T* A, int64_t lda,
                const T* B, int64_t ldb, T beta, T* C, int64_t ldc);

// Three plain loops, each C element summed over k in order: the readable reference that the
// fast GEMMs are tested against.
template <typename T>
void gemm_reference(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, const T* A,
                    int64_t lda, const T* B, int64_t ldb, T beta, T* C, int64_t ldc);

// Whether gemm<float> runs the AVX2/FMA kernel on this CPU (and HRNET_GEMM is not "eigen").
bool gemm_uses_avx2();

// What gemm<float>() runs on, for benchmark reports: "avx2-fma" or "eigen".
const char* gemm_backend();

}  // namespace hr::kern
