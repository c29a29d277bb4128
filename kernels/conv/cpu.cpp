// CPU convolution: NHWC, weights [Cout][K][K][Cin], padding K/2, im2col + GEMM (kernels/common/gemm.h).
//
// Every pass is written as "gather a tile of patch rows, then one single-threaded GEMM":
//   forward        y[M x Cout]      = patches(x)[M x KKCin] * W^T
//   backward data  dx[pixels x Cin] += patches(dy)[pixels x taps*Cout] * W'   (per stride phase)
//   backward wt    dW^T[KKCin x Cout] = patches(x)^T * dy, per-chunk partials, summed, transposed
// Rows are split over the thread pool with parallel_for; each chunk walks its rows in tiles
// so the patch buffer stays in cache, and each thread keeps its own scratch.
//
// The backward-data pass is a gather, not a col2im scatter: an input pixel collects the
// gradients of the output pixels that read it. For stride s the input pixels split into
// s*s phases (ih mod s, iw mod s); inside a phase every pixel is reached by the same taps,
// at consecutive output coordinates, so the phase is itself a small convolution over dy.
// Each input pixel belongs to exactly one phase row, hence no write races and no atomics.
#include <Eigen/Core>
#include <algorithm>
#include <cstring>
#include <vector>

#include "kernels/common/gemm.h"
#include "kernels/common/thread_pool.h"
#include "kernels/conv/conv.h"

namespace hr::kern {
namespace {

template <typename T>
using RowMajor = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <typename T>
using MatMap = Eigen::Map<RowMajor<T>>;
template <typename T>
using ConstRowVecMap = Eigen::Map<const Eigen::Matrix<T, 1, Eigen::Dynamic>>;
template <typename T>
using RowVecMap = Eigen::Map<Eigen::Matrix<T, 1, Eigen::Dynamic>>;


// Patch tile budget, about half of a 512 KiB L2. Measured on the 2-vCPU Zen3 dev box over the
// 3x3 convs of HRNet-W32 at batch 8, tile sizes interleaved in one process: 128-512 KiB are
// within noise of each other; 32 KiB is ~15% slower (W^T re-packed by Eigen for every small
// tile) and 8 MiB ~15% slower (the tile leaves L2 before the GEMM reads it). Taller tiles
// for the weight gradient (a rank-`rows` update of dW per tile) measured no better.
constexpr int64_t kTileBytes = 256 * 1024;

int64_t chunk_grain(int64_t macs_per_row) {
  return std::max<int64_t>(1, kConvMinChunkMacs / std::max<int64_t>(1, macs_per_row));
}

// Eigen re-packs W for every GEMM call, a cost of one tile row per weight element; with
// fewer than 64 rows that packing shows (the 8x6 256->256 branch conv, 9*256 patch columns,
// measured ~7% slower with 24-row tiles than with 64).
constexpr int64_t kMinTileRows = 72;

// Multiples of 24: whole 6-row strips of the AVX2 GEMM's micro-kernel (a 4-row remainder
// strip per tile ran at about 2/3 of its rate) that also keep rows 32-byte aligned.
template <typename T>
int64_t tile_rows(int64_t cols) {
  const int64_t rows = kTileBytes / (cols * int64_t(sizeof(T)));
  return std::clamp<int64_t>(rows / 24 * 24, kMinTileRows, 2040);
}

// Per-thread scratch that survives across calls, so steady-state training does not allocate.
// Slot 0 holds the patch tile, slot 1 the GEMM output of a strided backward-data tile.
template <typename T>
T* scratch(int slot, int64_t elems) {
  thread_local std::vector<T> buffers[2];
  auto& b = buffers[slot];
  if (b.size() < size_t(elems)) b.resize(size_t(elems));
  return b.data();
}

// Describes a patch matrix. Its rows walk a grid of pixels (n, r, c), flattened row-major;
// the row of grid pixel (n, r, c) holds, for tap (th, tw), the C channels of source pixel
// (r*step + off_h + th, c*step + off_w + tw) of image n, or zeros where that pixel lies in
// the padding. Taps along a row are consecutive source pixels, which makes a tap row one
// contiguous copy of taps_w*C values in NHWC.
struct Gather {
  int grid_h = 0, grid_w = 0;
  int src_h = 0, src_w = 0, C = 0;
  int step = 1;
  int off_h = 0, off_w = 0;
  int taps_h = 1, taps_w = 1;

  int64_t cols() const { return int64_t(taps_h) * taps_w * C; }
  int64_t rows(int N) const { return int64_t(N) * grid_h * grid_w; }
};

// The forward patch matrix: one row per output pixel, taps are the K x K kernel.
Gather forward_gather(const ConvDesc& d) {
  Gather g;
  g.grid_h = d.Ho;
  g.grid_w = d.Wo;
  g.src_h = d.H;
  g.src_w = d.W;
  g.C = d.Cin;
  g.step = d.stride;
  g.off_h = g.off_w = -d.pad();
  g.taps_h = g.taps_w = d.K;
  return g;
}

// Fills one patch row for grid pixel (n, r, c).
template <typename T>
void gather_row(const Gather& g, const T* src, int n, int r, int c, T* row) {
  const int64_t tap_row = int64_t(g.taps_w) * g.C;
  const int iw0 = c * g.step + g.off_w;
  // Taps [lo, hi) of a tap row read real pixels, the rest read padding.
  const int lo = std::clamp(-iw0, 0, g.taps_w);
  const int hi = std::clamp(g.src_w - iw0, lo, g.taps_w);
  for (int th = 0; th < g.taps_h; ++th) {
    T* dst = row + th * tap_row;
    const int ih = r * g.step + g.off_h + th;
    if (ih < 0 || ih >= g.src_h || hi == lo) {
      std::fill_n(dst, tap_row, T(0));
      continue;
    }
    const T* s = src + ((int64_t(n) * g.src_h + ih) * g.src_w + iw0 + lo) * g.C;
    std::fill_n(dst, int64_t(lo) * g.C, T(0));
    std::memcpy(dst + int64_t(lo) * g.C, s, sizeof(T) * size_t(hi - lo) * g.C);
    std::fill_n(dst + int64_t(hi) * g.C, int64_t(g.taps_w - hi) * g.C, T(0));
  }
}

// Grid pixel (n, r, c) of a patch row: decoded once per tile, then stepped along, so the
// per-row work has no divisions.
struct GridCursor {
  int n, r, c;

  GridCursor(const Gather& g, int64_t m)
      : n(int(m / g.grid_w / g.grid_h)), r(int(m / g.grid_w % g.grid_h)), c(int(m % g.grid_w)) {}

  void next(const Gather& g) {
    if (++c < g.grid_w) return;
    c = 0;
    if (++r < g.grid_h) return;
    r = 0;
    ++n;
  }
};

// Fills patch rows [m0, m1) into `out` (row-major, g.cols() per row).
template <typename T>
void gather_rows(const Gather& g, const T* src, int64_t m0, int64_t m1, T* out) {
  const int64_t cols = g.cols();
  GridCursor at(g, m0);
  for (int64_t m = m0; m < m1; ++m, at.next(g))
    gather_row(g, src, at.n, at.r, at.c, out + (m - m0) * cols);
}

// The kernel taps that reach input coordinate i with i mod s == phase: kh such that
// (phase + pad - kh) is divisible by s. Listed by decreasing kh, tap t is kh = first - t*s
// and reads output coordinate i/s + off + t, so the taps form a gather with consecutive
// offsets.
struct PhaseTaps {
  int first = 0;  // largest kh of the phase
  int count = 0;
  int off = 0;
};

PhaseTaps phase_taps(int phase, int K, int s, int pad) {
  PhaseTaps p;
  for (int kh = K - 1; kh >= 0; --kh) {
    const int q = phase + pad - kh;
    if (((q % s) + s) % s != 0) continue;
    if (p.count == 0) {
      p.first = kh;
      p.off = q / s;  // exact division, valid for negative q too
    }
    ++p.count;
  }
  return p;
}

// W^T, [KKCin x Cout] row-major: the GEMM's B operand in the layout it reads in place
// (kernels/common/sgemm_avx2.cpp packs a transposed B for every call, i.e. every tile).
template <typename T>
std::vector<T> transposed_weights(const ConvDesc& d, const T* w) {
  const int64_t kp = d.patch();
  std::vector<T> wt(size_t(kp * d.Cout));
  // In blocks of 16 k: the 16 destination rows stay in L1 while every co visits them (a
  // plain loop wrote each element to a different line and cost ~3% of an eval forward).
  constexpr int64_t kBlock = 16;
  for (int64_t k0 = 0; k0 < kp; k0 += kBlock) {
    const int64_t k1 = std::min(kp, k0 + kBlock);
    for (int64_t co = 0; co < d.Cout; ++co)
      for (int64_t k = k0; k < k1; ++k) wt[size_t(k * d.Cout + co)] = w[co * kp + k];
  }
  return wt;
}

// Forward for 1x1 stride 1: NHWC x is already the [M x Cin] patch matrix.
template <typename T>
void forward_pointwise(const ConvDesc& d, const T* x, const T* w, const T* bias, T* y) {
  const std::vector<T> wt = transposed_weights(d, w);
  parallel_for(d.rows(), chunk_grain(d.Cin * int64_t(d.Cout)), [&](int64_t b, int64_t e, int) {
    gemm<T>(false, false, e - b, d.Cout, d.Cin, x + b * d.Cin, d.Cin, wt.data(), d.Cout, T(0), y + b * d.Cout, d.Cout);
    if (bias) MatMap<T>(y + b * d.Cout, e - b, d.Cout).rowwise() += ConstRowVecMap<T>(bias, d.Cout);
  });
}

template <typename T>
void forward_im2col(const ConvDesc& d, const T* x, const T* w, const T* bias, T* y) {
  const Gather g = forward_gather(d);
  const int64_t kp = g.cols();
  const int64_t tile = tile_rows<T>(kp);
  const std::vector<T> wt = transposed_weights(d, w);
  parallel_for(d.rows(), chunk_grain(kp * d.Cout), [&](int64_t b, int64_t e, int) {
    T* patches = scratch<T>(0, tile * kp);
    for (int64_t m0 = b; m0 < e; m0 += tile) {
      const int64_t rows = std::min(tile, e - m0);
      gather_rows(g, x, m0, m0 + rows, patches);
      gemm<T>(false, false, rows, d.Cout, kp, patches, kp, wt.data(), d.Cout, T(0), y + m0 * d.Cout, d.Cout);
      if (bias) MatMap<T>(y + m0 * d.Cout, rows, d.Cout).rowwise() += ConstRowVecMap<T>(bias, d.Cout);
    }
  });
}

// W' of one stride phase: row (th, tw, co), column ci holds w[co][kh(th)][kw(tw)][ci],
// matching the column order of the phase's dy patch matrix.
template <typename T>
std::vector<T> phase_weights(const ConvDesc& d, const T* w, PhaseTaps ph, PhaseTaps pw) {
  std::vector<T> wp(size_t(ph.count) * pw.count * d.Cout * d.Cin);
  T* out = wp.data();
  for (int th = 0; th < ph.count; ++th) {
    const int kh = ph.first - th * d.stride;
    for (int tw = 0; tw < pw.count; ++tw) {
      const int kw = pw.first - tw * d.stride;
      for (int co = 0; co < d.Cout; ++co, out += d.Cin)
        std::copy_n(w + ((int64_t(co) * d.K + kh) * d.K + kw) * d.Cin, d.Cin, out);
    }
  }
  return wp;
}

// dx[pixel of grid row m0 + i] += grad[i] for the pixels (n, a*s + phase_h, b*s + phase_w)
// of a strided phase; the phase grid owns those pixels, so chunks never touch the same one.
template <typename T>
void add_to_phase_pixels(const ConvDesc& d, const Gather& g, int phase_h, int phase_w, int64_t m0,
                         int64_t rows, const T* grad, T* dx) {
  GridCursor at(g, m0);
  for (int64_t i = 0; i < rows; ++i, at.next(g)) {
    const int ih = at.r * d.stride + phase_h;
    const int iw = at.c * d.stride + phase_w;
    T* px = dx + ((int64_t(at.n) * d.H + ih) * d.W + iw) * d.Cin;
    const T* gr = grad + i * d.Cin;
    for (int ci = 0; ci < d.Cin; ++ci) px[ci] += gr[ci];
  }
}

// dx += gradient reaching the input pixels (n, a*s + phase_h, b*s + phase_w).
template <typename T>
void backward_data_phase(const ConvDesc& d, const T* dy, const T* w, T* dx, int phase_h,
                         int phase_w) {
  const int s = d.stride;
  const PhaseTaps ph = phase_taps(phase_h, d.K, s, d.pad());
  const PhaseTaps pw = phase_taps(phase_w, d.K, s, d.pad());
  Gather g;
  g.grid_h = (d.H - phase_h + s - 1) / s;
  g.grid_w = (d.W - phase_w + s - 1) / s;
  if (ph.count == 0 || pw.count == 0 || g.grid_h <= 0 || g.grid_w <= 0) return;
  g.src_h = d.Ho;
  g.src_w = d.Wo;
  g.C = d.Cout;
  g.step = 1;
  g.off_h = ph.off;
  g.off_w = pw.off;
  g.taps_h = ph.count;
  g.taps_w = pw.count;

  const int64_t kp = g.cols();
  const std::vector<T> wp = phase_weights(d, w, ph, pw);
  const int64_t tile = tile_rows<T>(kp);
  parallel_for(g.rows(d.N), chunk_grain(kp * d.Cin), [&](int64_t b, int64_t e, int) {
    T* patches = scratch<T>(0, tile * kp);
    T* grad = s == 1 ? nullptr : scratch<T>(1, tile * d.Cin);
    for (int64_t m0 = b; m0 < e; m0 += tile) {
      const int64_t rows = std::min(tile, e - m0);
      gather_rows(g, dy, m0, m0 + rows, patches);
      if (s == 1) {
        // One phase covering every pixel in order: grid row m is dx row m.
        gemm<T>(false, false, rows, d.Cin, kp, patches, kp, wp.data(), d.Cin, T(1), dx + m0 * d.Cin, d.Cin);
        continue;
      }
      gemm<T>(false, false, rows, d.Cin, kp, patches, kp, wp.data(), d.Cin, T(0), grad, d.Cin);
      add_to_phase_pixels(d, g, phase_h, phase_w, m0, rows, grad, dx);
    }
  });
}

// dx += dy * W for 1x1 stride 1: rows of dy and dx are the same pixels.
template <typename T>
void backward_data_pointwise(const ConvDesc& d, const T* dy, const T* w, T* dx) {
  parallel_for(d.rows(), chunk_grain(d.Cin * int64_t(d.Cout)), [&](int64_t b, int64_t e, int) {
    gemm<T>(false, false, e - b, d.Cin, d.Cout, dy + b * d.Cout, d.Cout, w, d.Cin, T(1), dx + b * d.Cin, d.Cin);
  });
}

// Column sums of dy rows [b, e) into acc (overwritten); a row-wise loop reads dy in order.
template <typename T>
void column_sums(const T* dy, int64_t b, int64_t e, int cols, T* acc) {
  std::fill_n(acc, cols, T(0));
  for (int64_t m = b; m < e; ++m) {
    const T* row = dy + m * cols;
    for (int c = 0; c < cols; ++c) acc[c] += row[c];
  }
}

// The chunk's share of the weight gradient, transposed: partT[KKCin x Cout] =
// patches(x)[b:e]^T * dy[b:e]. Transposed because KKCin (9*Cin) splits into whole 6-row strips
// of the GEMM's micro-kernel and Cout into 16-column panels, where dW itself would leave a
// 2- or 4-row strip at Cout = 32 or 64 (~10% slower for the 32-channel branch).
template <typename T>
void weight_grad_chunk(const ConvDesc& d, const Gather& g, const T* x, const T* dy, int64_t b,
                       int64_t e, T* part_t) {
  const int64_t kp = g.cols();
  if (d.K == 1 && d.stride == 1) {
    gemm<T>(true, false, kp, d.Cout, e - b, x + b * d.Cin, d.Cin, dy + b * d.Cout, d.Cout, T(0), part_t, d.Cout);
    return;
  }
  const int64_t tile = tile_rows<T>(kp);
  T* patches = scratch<T>(0, tile * kp);
  std::fill_n(part_t, d.Cout * kp, T(0));
  for (int64_t m0 = b; m0 < e; m0 += tile) {
    const int64_t rows = std::min(tile, e - m0);
    gather_rows(g, x, m0, m0 + rows, patches);
    gemm<T>(true, false, kp, d.Cout, rows, patches, kp, dy + m0 * d.Cout, d.Cout, T(1), part_t, d.Cout);
  }
}

}  // namespace

template <typename T>
void conv2d_forward_cpu(const ConvDesc& d, const T* x, const T* w, const T* bias, T* y) {
  if (d.K == 1 && d.stride == 1)
    forward_pointwise(d, x, w, bias, y);
  else
    forward_im2col(d, x, w, bias, y);
}

template <typename T>
void conv2d_backward_data_cpu(const ConvDesc& d, const T* dy, const T* w, T* dx) {
  if (d.K == 1 && d.stride == 1) {
    backward_data_pointwise(d, dy, w, dx);
    return;
  }
  for (int ph = 0; ph < d.stride; ++ph)
    for (int pw = 0; pw < d.stride; ++pw) backward_data_phase(d, dy, w, dx, ph, pw);
}

template <typename T>
void conv2d_backward_weight_cpu(const ConvDesc& d, const T* x, const T* dy, T* dw, T* dbias) {
  const Gather g = forward_gather(d);
  const int64_t kp = g.cols();
  const int64_t wsize = kp * d.Cout;
  const int64_t grain = chunk_grain(wsize);
  const int chunks = parallel_chunks(d.rows(), grain);
  // One partial per chunk, summed below in chunk order: the result depends only on the
  // chunk boundaries, never on which thread finished first.
  std::vector<T> dw_part(size_t(chunks) * wsize);
  std::vector<T> db_part(dbias ? size_t(chunks) * d.Cout : 0);
  parallel_for(d.rows(), grain, [&](int64_t b, int64_t e, int chunk) {
    weight_grad_chunk(d, g, x, dy, b, e, dw_part.data() + chunk * wsize);
    if (dbias) column_sums(dy, b, e, d.Cout, db_part.data() + int64_t(chunk) * d.Cout);
  });
  // Chunk partials summed in chunk order into the first, then transposed into dw.
  T* sum_t = dw_part.data();
  for (int c = 1; c < chunks; ++c) {
    const T* p = dw_part.data() + c * wsize;
    for (int64_t i = 0; i < wsize; ++i) sum_t[i] += p[i];
  }
  for (int64_t k = 0; k < kp; ++k)
    for (int64_t co = 0; co < d.Cout; ++co) dw[co * kp + k] += sum_t[k * d.Cout + co];
  if (dbias)
    for (int c = 0; c < chunks; ++c)
      RowVecMap<T>(dbias, d.Cout) +=
          ConstRowVecMap<T>(db_part.data() + int64_t(c) * d.Cout, d.Cout);
}

#define HR_INSTANTIATE_CONV_CPU(T)                                                        \
  template void conv2d_forward_cpu<T>(const ConvDesc&, const T*, const T*, const T*, T*); \
  template void conv2d_backward_data_cpu<T>(const ConvDesc&, const T*, const T*, T*);     \
  template void conv2d_backward_weight_cpu<T>(const ConvDesc&, const T*, const T*, T*, T*);
HR_INSTANTIATE_CONV_CPU(float)
HR_INSTANTIATE_CONV_CPU(double)
#undef HR_INSTANTIATE_CONV_CPU

}  // namespace hr::kern
