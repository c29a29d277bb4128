// numpy's pairwise summation (np.add.reduce on a contiguous float64 array), so that sums add in
// the same order as the official numpy code: COCO OKS sums and summary means (pycocotools),
// OKS in oks_nms, the PCKh means. Shared by every metric under datasets/eval/.
#pragma once
#include <cstddef>

namespace hr::data {

// Below 8 values a plain loop; up to 128 eight interleaved partial sums combined as
// ((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7)) plus the tail; above that, split in two halves at a
// multiple of 8 and recurse. np.sum adds this to its identity 0.0.
double numpy_pairwise_sum(const double* a, size_t n);

inline double numpy_sum(const double* a, size_t n) { return 0.0 + numpy_pairwise_sum(a, n); }

}  // namespace hr::data
