// Heatmap peaks: for every map of NHWC heatmaps [B][H][W][J], the first index (row-major
// over H*W) of the maximum and the maximum, as numpy's argmax in the official get_max_preds
// (a NaN counts as the maximum, the first NaN wins). The refinement (quarter offset, DARK)
// and the mapping to image coordinates stay on the host (datasets/eval/postprocess).
#pragma once
#include <cstdint>

#include "kernels/common/hd.h"
#include "kernels/common/stream.h"

namespace hr::kern {

// Does value a at index ia beat value b at index ib? NaN beats numbers, ties go to the
// smaller index: the order numpy's argmax induces.
HR_HD bool heatmap_beats(float a, int64_t ia, float b, int64_t ib) {
  const bool na = a != a, nb = b != b;
  if (na || nb) return na && (!nb || ia < ib);
  return a > b || (a == b && ia < ib);
}

// index [B*J] and value [B*J], sample-major (entry b*J + j).
void heatmap_argmax_cpu(int B, int64_t HW, int J, const float* hm, int64_t* index, float* value);
void heatmap_argmax_cuda(int B, int64_t HW, int J, const float* hm, int64_t* index, float* value, Stream stream);

}  // namespace hr::kern
