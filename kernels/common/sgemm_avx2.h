// Our own single-precision GEMM for x86-64 with AVX2 + FMA, same contract as gemm() in
// gemm.h: C[M x N] = beta * C + op(A) * op(B), row-major, single-threaded, and safe to call
// from several threads at once (all scratch is thread_local). Only kernels/common/gemm.cpp
// calls it, after checking at run time that the CPU has AVX2 and FMA.
//
// Each element of C is one FMA chain over k = 0, 1, ..., K-1, restarted at every KC-block
// boundary and added to C block after block, so a C element never depends on M, N, the
// caller's tiling or the thread: only on K.
#pragma once
#include <cstdint>

namespace hr::kern {

// Compiled with -mavx2 -mfma; calling it on a CPU without them is an illegal instruction.
void sgemm_avx2(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, const float* A,
                int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc);

}  // namespace hr::kern
