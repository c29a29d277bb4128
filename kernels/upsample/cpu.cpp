#include <algorithm>

#include "kernels/common/thread_pool.h"
#include "kernels/upsample/upsample.h"

namespace hr::kern {

// Parallel over output rows (n, oh): each writes a disjoint slice of y.
template <typename T>
void upsample_nearest_forward_cpu(int N, int H, int W, int C, int f, const T* x, T* y) {
  const int Ho = H * f, Wo = W * f;
  parallel_for(int64_t(N) * Ho, 64, [&](int64_t b, int64_t e, int) {
    for (int64_t r = b; r < e; ++r) {
      const int n = int(r / Ho), oh = int(r % Ho);
      const T* src_row = x + (int64_t(n) * H + upsample_src(oh, f)) * W * C;
      T* dst = y + r * Wo * C;
      for (int ow = 0; ow < Wo; ++ow)
        std::copy_n(src_row + int64_t(upsample_src(ow, f)) * C, C, dst + int64_t(ow) * C);
    }
  });
}

// Parallel over LOW-resolution rows: each source pixel gathers its f x f block, so no two
// chunks write the same dx element.
template <typename T>
void upsample_nearest_backward_cpu(int N, int H, int W, int C, int f, const T* dy, T* dx) {
  const int Ho = H * f, Wo = W * f;
  parallel_for(int64_t(N) * H, 16, [&](int64_t b, int64_t e, int) {
    for (int64_t r = b; r < e; ++r) {
      const int n = int(r / H), h = int(r % H);
      for (int w = 0; w < W; ++w) {
        T* g = dx + (r * W + w) * C;
        for (int i = 0; i < f; ++i) {
          const T* src = dy + ((int64_t(n) * Ho + h * f + i) * Wo + int64_t(w) * f) * C;
          for (int j = 0; j < f; ++j)
            for (int c = 0; c < C; ++c) g[c] += src[int64_t(j) * C + c];
        }
      }
    }
  });
}

template void upsample_nearest_forward_cpu<float>(int, int, int, int, int, const float*, float*);
template void upsample_nearest_forward_cpu<double>(int, int, int, int, int, const double*, double*);
template void upsample_nearest_backward_cpu<float>(int, int, int, int, int, const float*, float*);
template void upsample_nearest_backward_cpu<double>(int, int, int, int, int, const double*, double*);

}  // namespace hr::kern
