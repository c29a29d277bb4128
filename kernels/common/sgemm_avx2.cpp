// The AVX2/FMA SGEMM (see sgemm_avx2.h). Compiled with -mavx2 -mfma on its own
// (kernels/CMakeLists.txt), so the rest of the build does not assume those instructions.
//
// Structure (the classic Goto/BLIS blocking, cut down to what our convolutions need):
//   for each KC-block of k:           B panels of 16 columns prepared once per block
//     for each MC-block of rows:      rows of op(A) stay in L2 across all B panels
//       for each 16-column B panel:   the kc x 16 panel (16 KiB) stays in L1
//         for each 6-row strip:       micro-kernel: 6 x 16 accumulators in 12 ymm registers
// A is never packed: the micro-kernel broadcasts op(A)(i, k) straight from the caller's
// storage, which is row-major [M x K] (six row streams) or, transposed, [K x M] (six
// adjacent floats per k). B is read in place when it is row-major [K x N] (16 contiguous
// floats per k) and packed into a zero-padded kc x 16 panel when it is transposed or when
// the last panel is narrower than 16 columns. The convolutions pass weights already laid
// out as [K x N], so in steady state nothing is packed at all.
#include "kernels/common/sgemm_avx2.h"

#include <immintrin.h>

#include <algorithm>
#include <cstring>
#include <vector>

namespace hr::kern {
namespace {

constexpr int kMR = 6;
constexpr int kNR = 16;
// 256 k-steps make the B panel 16 KiB, half of Zen3's 32 KiB L1D, leaving room for the
// six A rows (6 KiB); 240 rows x 256 floats of A are 240 KiB, within a 512 KiB L2.
constexpr int64_t kKC = 256;
constexpr int64_t kMC = 240;
constexpr int64_t kMaxInPlaceSpan = 320 * 1024;

// C[R x ncols] (+)= op(A)[R x kc] * Bpanel[kc x 16]. `a` points at op(A)(0, 0) of the strip;
// TA: element (i, k) at a[k*lda + i], else a[i*lda + k]. `b` at panel row 0, row stride bs.
// The twelve accumulators are named variables, not an array: GCC 12 kept an array of __m256
// in memory and stored it back on every k step (measured at half of Eigen's speed).
template <int R, bool TA>
void micro_kernel(int64_t kc, const float* a, int64_t lda, const float* b, int64_t bs, float* c,
                  int64_t ldc, int ncols, bool add) {
  const __m256 zero = _mm256_setzero_ps();
  __m256 c00 = zero, c01 = zero, c10 = zero, c11 = zero, c20 = zero, c21 = zero;
  __m256 c30 = zero, c31 = zero, c40 = zero, c41 = zero, c50 = zero, c51 = zero;
  const int64_t step = TA ? lda : 1;
#define HR_ROW(i)                                                                \
  if constexpr (R > i) {                                                        \
    const __m256 av = _mm256_broadcast_ss(TA ? a + i : a + i * lda);            \
    c##i##0 = _mm256_fmadd_ps(av, b0, c##i##0);                                 \
    c##i##1 = _mm256_fmadd_ps(av, b1, c##i##1);                                 \
  }
  for (int64_t k = 0; k < kc; ++k) {
    const __m256 b0 = _mm256_loadu_ps(b);
    const __m256 b1 = _mm256_loadu_ps(b + 8);
    HR_ROW(0) HR_ROW(1) HR_ROW(2) HR_ROW(3) HR_ROW(4) HR_ROW(5)
    a += step;
    b += bs;
  }
#undef HR_ROW
  const __m256 acc[2 * kMR] = {c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51};
  if (ncols == kNR) {
    for (int i = 0; i < R; ++i) {
      float* ci = c + i * ldc;
      if (add) {
        _mm256_storeu_ps(ci, _mm256_add_ps(_mm256_loadu_ps(ci), acc[2 * i]));
        _mm256_storeu_ps(ci + 8, _mm256_add_ps(_mm256_loadu_ps(ci + 8), acc[2 * i + 1]));
      } else {
        _mm256_storeu_ps(ci, acc[2 * i]);
        _mm256_storeu_ps(ci + 8, acc[2 * i + 1]);
      }
    }
    return;
  }
  // A narrow last panel: the padded columns were computed from zeros and are dropped here.
  alignas(32) float tmp[kNR];
  for (int i = 0; i < R; ++i) {
    _mm256_store_ps(tmp, acc[2 * i]);
    _mm256_store_ps(tmp + 8, acc[2 * i + 1]);
    float* ci = c + i * ldc;
    for (int j = 0; j < ncols; ++j) ci[j] = add ? ci[j] + tmp[j] : tmp[j];
  }
}

using MicroFn = void (*)(int64_t, const float*, int64_t, const float*, int64_t, float*, int64_t, int,
                         bool);

template <bool TA>
MicroFn micro_for_rows(int64_t rows) {
  switch (rows) {
    case 1: return micro_kernel<1, TA>;
    case 2: return micro_kernel<2, TA>;
    case 3: return micro_kernel<3, TA>;
    case 4: return micro_kernel<4, TA>;
    case 5: return micro_kernel<5, TA>;
    default: return micro_kernel<6, TA>;
  }
}

struct Panel {
  const float* b;
  int64_t stride;
  int cols;
};

// Points each 16-column panel of op(B)[pc : pc+kc, :] at B itself or at a packed copy.
void prepare_panels(bool tb, int64_t N, int64_t pc, int64_t kc, const float* B, int64_t ldb,
                    std::vector<Panel>& panels, std::vector<float>& pack) {
  const int64_t count = (N + kNR - 1) / kNR;
  panels.resize(size_t(count));
  // Panels that need a copy: all of them when B is transposed or when the panel's rows span
  // more than kMaxInPlaceSpan bytes, else only a narrow last one. Read in place, a panel is
  // kc rows of 64 bytes ldb floats apart; spread over too many pages it misses the TLB and
  // L1 (measured on Zen3: 512x512x512 at 48 GF/s in place, 80 packed), while the spans our
  // convolutions produce (<= ~256 KiB by their tile size) ran 5-15% faster in place.
  const bool in_place = !tb && kc * ldb * int64_t(sizeof(float)) <= kMaxInPlaceSpan;
  const int64_t packed = in_place ? (N % kNR != 0 ? 1 : 0) : count;
  if (pack.size() < size_t(packed * kc * kNR)) pack.resize(size_t(packed * kc * kNR));
  float* dst = pack.data();
  for (int64_t p = 0; p < count; ++p) {
    const int64_t j0 = p * kNR;
    const int cols = int(std::min<int64_t>(kNR, N - j0));
    if (in_place && cols == kNR) {
      panels[size_t(p)] = {B + pc * ldb + j0, ldb, cols};
      continue;
    }
    if (cols < kNR) std::fill_n(dst, kc * kNR, 0.0f);
    if (tb) {
      // op(B)(k, j) = B[j*ldb + k]: walk each source row contiguously.
      for (int j = 0; j < cols; ++j) {
        const float* src = B + (j0 + j) * ldb + pc;
        for (int64_t k = 0; k < kc; ++k) dst[k * kNR + j] = src[k];
      }
    } else {
      for (int64_t k = 0; k < kc; ++k)
        std::memcpy(dst + k * kNR, B + (pc + k) * ldb + j0, sizeof(float) * size_t(cols));
    }
    panels[size_t(p)] = {dst, kNR, cols};
    dst += kc * kNR;
  }
}

}  // namespace

// beta is 0 or 1 (gemm.h's contract): any non-zero beta adds to C.
void sgemm_avx2(bool ta, bool tb, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda,
                const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    if (beta == 0.0f)
      for (int64_t i = 0; i < M; ++i) std::fill_n(C + i * ldc, N, 0.0f);
    return;
  }
  thread_local std::vector<Panel> panels;
  thread_local std::vector<float> pack;
  for (int64_t pc = 0; pc < K; pc += kKC) {
    const int64_t kc = std::min(kKC, K - pc);
    const bool add = pc > 0 || beta != 0.0f;
    prepare_panels(tb, N, pc, kc, B, ldb, panels, pack);
    for (int64_t ic = 0; ic < M; ic += kMC) {
      const int64_t mc = std::min(kMC, M - ic);
      for (size_t p = 0; p < panels.size(); ++p) {
        const Panel& bp = panels[p];
        float* cp = C + int64_t(p) * kNR;
        for (int64_t ir = 0; ir < mc; ir += kMR) {
          const int64_t i = ic + ir;
          const int64_t rows = std::min<int64_t>(kMR, mc - ir);
          const float* a = ta ? A + pc * lda + i : A + i * lda + pc;
          const MicroFn fn = ta ? micro_for_rows<true>(rows) : micro_for_rows<false>(rows);
          fn(kc, a, lda, bp.b, bp.stride, cp + i * ldc, ldc, bp.cols, add);
        }
      }
    }
  }
}

}  // namespace hr::kern
