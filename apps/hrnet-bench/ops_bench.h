// `hrnet-bench ops`: every distinct conv shape of HRNet, checked against the direct
// reference, then timed against a plain Eigen GEMM of the same size run the same way.
#pragma once
#include <string>

#include "hrnet_shapes.h"

namespace hr::bench {

struct OpsOptions {
  std::string device = "cpu";
  HrnetGeometry geometry{32, 256, 192, 8, 17};
  int threads = 0;      // 0: the pool's default (HRNET_NUM_THREADS or all cores)
  int warmup = 1;       // untimed runs per measurement
  int repeat = 5;       // timed runs; the median is reported
  int check_batch = 1;  // batch of the correctness check that runs before timing
  bool backward = false;
  std::string filter;  // only shapes whose label contains this text (empty: all)
};

// Runs the benchmark and prints its table; returns the process exit code
// (non-zero when a check fails: shape enumeration, or a kernel against the reference).
int run_ops_bench(const OpsOptions& options);

}  // namespace hr::bench
