// Peak figures of the GPUs `hrnet-bench kernels` reports fractions of, looked up by the name the
// driver reports. Dense (no sparsity) tensor-core rates at boost clock, from NVIDIA's datasheets;
// an unknown GPU has none (the bench prints n/a rather than guess).
#pragma once
#include <optional>
#include <string_view>

namespace hr::bench {

struct GpuPeaks {
  const char* name;  // what the table calls it: "H100 SXM5"
  double fp32_tflops;  // SIMT fp32 (FMA = 2 FLOPs)
  double tf32_tflops;  // tensor cores, TF32, dense
  double bf16_tflops;  // tensor cores, BF16 with fp32 accumulation, dense
  double bandwidth_gbs;  // DRAM, GB/s (10^9)
};

std::optional<GpuPeaks> gpu_peaks(std::string_view device_name);

}  // namespace hr::bench
