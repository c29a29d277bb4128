// The GPU half of `hrnet-bench kernels` (built with CUDA only).
#pragma once
#include <vector>

#include "hrnet_shapes.h"
#include "kernels_bench.h"

namespace hr::bench {

// Checks and times every selected shape of every geometry; prints the tables. Needs a device.
int run_kernels_bench_cuda(const KernelsOptions& o, const std::vector<HrnetGeometry>& geometries);

}  // namespace hr::bench
