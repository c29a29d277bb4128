// One single-threaded row-major GEMM for the CPU kernels:
//   C[M x N] = beta * C + op(A) * op(B),  op(X) = X or X^T,  beta 0 or 1.
// Callers parallelise over tiles themselves (the thread pool), so the GEMM must not spawn
// threads. Backed by OpenBLAS's serial build when it was found at configure time (~35%
// faster than Eigen on the dev box's Zen3 at HRNet's tile shapes: 80 vs 60 GF/s per core),
// else by Eigen. Both are deterministic for a given input.
#pragma once
#include <cstdint>

namespace hr::kern {

template <typename T>
void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, const T* A, int64_t lda,
          const T* B, int64_t ldb, T beta, T* C, int64_t ldc);

// "openblas-serial" or "eigen": what gemm() runs on, for benchmark reports.
const char* gemm_backend();

}  // namespace hr::kern
