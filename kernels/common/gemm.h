// One single-threaded row-major GEMM for the CPU kernels:
//   C[M x N] = beta * C + op(A) * op(B),  op(X) = X or X^T,  beta 0 or 1.
// Callers parallelise over tiles themselves (the thread pool), so the GEMM must not spawn
// threads, and must be safe to call from several threads at once. Eigen's is both.
// (OpenBLAS's serial build measured ~35% faster per core, 80 vs 60 GF/s on the dev box's
// Zen3, but concurrent calls from our workers gave intermittent wrong results: a faster GEMM
// needs a thread-safe library or our own micro-kernel.)
#pragma once
#include <cstdint>

namespace hr::kern {

template <typename T>
void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, const T* A, int64_t lda,
          const T* B, int64_t ldb, T beta, T* C, int64_t ldc);

// What gemm() runs on, for benchmark reports.
const char* gemm_backend();

}  // namespace hr::kern
