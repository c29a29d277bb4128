// `hrnet-bench ops --device cuda`: every distinct conv shape of HRNet through the library
// baseline. Each shape is first checked against the CPU kernels, then timed with CUDA events:
// cuDNN forward for every shape, cuBLAS forward as well for 1x1 stride-1 shapes (the path the
// engine takes for them), and with --backward cuDNN's data and weight gradients.
#pragma once
#include <vector>

#include "hrnet_shapes.h"
#include "ops_bench.h"

namespace hr::bench {

// Built only with CUDA (apps/CMakeLists.txt); returns the process exit code.
int run_ops_bench_cuda(const OpsOptions& o, const std::vector<ConvShape>& shapes);

}  // namespace hr::bench
