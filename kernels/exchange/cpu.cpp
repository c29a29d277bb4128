// The fused exchange-unit sum on the CPU: the ground truth that the emulator and the GPU must
// match bit for bit. Same per-element arithmetic (exchange.h), loops arranged for the CPU:
// channels innermost, parallel over rows.
#include <string>

#include "kernels/common/error.h"
#include "kernels/common/thread_pool.h"
#include "kernels/elementwise/elementwise.h"
#include "kernels/exchange/exchange.h"

namespace hr::kern {

template <typename T>
void exchange_check(const ExchangeDesc<T>& d, const char* who, bool forward) {
  const std::string w(who);
  if (d.N < 1 || d.H < 1 || d.W < 1 || d.C < 1)
    throw Error(w + ": empty output [" + std::to_string(d.N) + ", " + std::to_string(d.H) + ", " +
                std::to_string(d.W) + ", " + std::to_string(d.C) + "]");
  if (d.count < 1 || d.count > kExchangeMaxTerms)
    throw Error(w + ": " + std::to_string(d.count) + " terms; 1 to " + std::to_string(kExchangeMaxTerms) +
                " are supported");
  for (int k = 0; k < d.count; ++k) {
    const ExchangeTerm<T>& t = d.term[k];
    const std::string which = w + ": term " + std::to_string(k);
    if (t.log2_factor < 0 || t.log2_factor > kExchangeMaxLog2)
      throw Error(which + " has log2 factor " + std::to_string(t.log2_factor) + "; 0 to " +
                  std::to_string(kExchangeMaxLog2) + " are supported");
    if (forward && !t.x) throw Error(which + " has no input");
    if ((t.scale == nullptr) != (t.shift == nullptr))
      throw Error(which + ": scale and shift must be given together (or neither)");
  }
}

// Parallel over output rows (n, h): each chunk writes its own rows of y. The running sum lives
// in y itself: storing a float and reading it back does not change it, so this is the same
// left-to-right sum as a register accumulator.
template <typename T>
void exchange_forward_cpu(const ExchangeDesc<T>& d, T* y) {
  exchange_check(d, "exchange_forward_cpu", true);
  const int C = d.C;
  parallel_for(int64_t(d.N) * d.H, 16, [&](int64_t b, int64_t e, int) {
    for (int64_t r = b; r < e; ++r) {
      const int64_t n = r / d.H;
      const int h = int(r % d.H);
      T* row = y + r * d.W * C;
      for (int k = 0; k < d.count; ++k) {
        const ExchangeTerm<T>& t = d.term[k];
        const int s = t.log2_factor;
        const int Hl = exchange_low_extent(d.H, s), Wl = exchange_low_extent(d.W, s);
        const T* src_row = t.x + (n * Hl + (h >> s)) * Wl * C;
        for (int w = 0; w < d.W; ++w) {
          const T* src = src_row + int64_t(w >> s) * C;
          T* dst = row + int64_t(w) * C;
          if (k == 0)
            for (int c = 0; c < C; ++c) dst[c] = exchange_affine(t, c, src[c]);
          else
            for (int c = 0; c < C; ++c) dst[c] = dst[c] + exchange_affine(t, c, src[c]);
        }
      }
      for (int64_t i = 0; i < int64_t(d.W) * C; ++i) row[i] = relu_value(row[i]);
    }
  });
}

// Term by term, parallel over the term's low-resolution rows (n, hl): each chunk owns its rows
// of dx, and every dx element takes its block in row-major order (i, then j), as the block
// body does.
template <typename T>
void exchange_backward_cpu(const ExchangeDesc<T>& d, const T* y, const T* dy) {
  exchange_check(d, "exchange_backward_cpu", false);
  const int C = d.C;
  for (int k = 0; k < d.count; ++k) {
    const ExchangeTerm<T>& t = d.term[k];
    if (!t.dx) continue;
    const int s = t.log2_factor, f = 1 << s;
    const int Hl = exchange_low_extent(d.H, s), Wl = exchange_low_extent(d.W, s);
    parallel_for(int64_t(d.N) * Hl, 16, [&](int64_t b, int64_t e, int) {
      for (int64_t r = b; r < e; ++r) {
        const int64_t n = r / Hl;
        const int hl = int(r % Hl);
        for (int wl = 0; wl < Wl; ++wl) {
          T* g = t.dx + (r * Wl + wl) * C;
          for (int i = 0; i < f && (hl << s) + i < d.H; ++i)
            for (int j = 0; j < f && (wl << s) + j < d.W; ++j) {
              const int64_t at = ((n * d.H + (hl << s) + i) * d.W + (wl << s) + j) * C;
              for (int c = 0; c < C; ++c) g[c] = exchange_grad_step(t, c, g[c], relu_grad(y[at + c], dy[at + c]));
            }
        }
      }
    });
  }
}

#define HR_INSTANTIATE(T)                                                              \
  template void exchange_check<T>(const ExchangeDesc<T>&, const char*, bool);          \
  template void exchange_forward_cpu<T>(const ExchangeDesc<T>&, T*);                   \
  template void exchange_backward_cpu<T>(const ExchangeDesc<T>&, const T*, const T*);
HR_INSTANTIATE(float)
HR_INSTANTIATE(double)
#undef HR_INSTANTIATE

}  // namespace hr::kern
