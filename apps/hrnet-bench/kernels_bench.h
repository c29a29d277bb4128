// `hrnet-bench kernels`: our native convolutions against the cuDNN/cuBLAS baseline on every
// distinct conv shape of HRNet, through the kernel registry's check-then-time procedure
// (engine/registry/measure.h): each native version is checked against the baseline on the
// shape's own operands first, and a wrong one is marked FAIL and not timed. One markdown table
// per geometry and pass. `--list` prints the shapes only and needs no GPU.
#pragma once
#include <string>
#include <vector>

namespace hr::bench {

struct KernelsOptions {
  int width = 0;    // 0: W32 and W48
  int image_h = 0;  // 0 (with image_w 0): 256x192 and 384x288
  int image_w = 0;
  int batch = 32;
  std::string filter;                                         // only shapes whose label contains it
  std::vector<std::string> passes = {"fwd", "dgrad", "wgrad"};
  std::vector<std::string> maths = {"f32", "bf16", "bf16p"};  // native versions: native_<math>
  int warmup = 3;
  int repeat = 20;  // timed runs; the median is reported
  std::string json;  // also write every measurement here
  bool list = false;
  bool no_exchange = false;  // skip the exchange-unit table
  bool no_bn = false;        // skip the batch-norm table
};

// Returns the process exit code: 0; 1 when a native version failed its check on some shape
// (after printing every table); 2 when nothing could run (no GPU, bad options).
int run_kernels_bench(const KernelsOptions& o);

}  // namespace hr::bench
