#include "kernels/heatmap/heatmap.h"

namespace hr::kern {

void heatmap_argmax_cpu(int B, int64_t HW, int J, const float* hm, int64_t* index, float* value) {
  for (int b = 0; b < B; ++b)
    for (int j = 0; j < J; ++j) {
      const float* m = hm + int64_t(b) * HW * J + j;
      int64_t best = 0;
      for (int64_t i = 1; i < HW; ++i)
        if (heatmap_beats(m[i * J], i, m[best * J], best)) best = i;
      index[int64_t(b) * J + j] = best;
      value[int64_t(b) * J + j] = m[best * J];
    }
}

}  // namespace hr::kern
