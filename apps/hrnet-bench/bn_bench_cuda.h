// The batch-norm table of `hrnet-bench kernels` (CUDA builds): ours against cuDNN's.
#pragma once
#include <nlohmann/json.hpp>

#include "hrnet_shapes.h"
#include "kernels_bench.h"

namespace hr::bench {

// For every distinct BN shape of `g` (bn_shapes.h), training mode with the fused ReLU (BN +
// ReLU, the most common form in HRNet): our forward (one-pass statistics, fused ReLU) and
// backward (ReLU mask and reductions fused) against cuDNN's NHWC persistent BN with the same
// fusion. Each pair is compared first (normalized error at most 1e-3, else FAIL, not timed).
// Prints one markdown table, returns the number of failed checks, appends JSON records.
int run_bn_table(const KernelsOptions& o, const HrnetGeometry& g, nlohmann::json& results);

}  // namespace hr::bench
