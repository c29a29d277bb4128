#include "gpu_peaks.h"

namespace hr::bench {
namespace {

// A GPU is recognised when its name contains `a` and `b` (b may be empty) and not `unless`.
struct Known {
  std::string_view a, b, unless;
  GpuPeaks peaks;
};

// Sources:
//  - H100 SXM5 / PCIe: NVIDIA H100 Tensor Core GPU datasheet, as tabulated in
//    shared/reference/anchors.md section 4.3 (FP32 66.9 / 51.2, TF32 494.7 / 378, BF16 989.4 / 756
//    dense, HBM 3.35 / 2.0 TB/s). The driver calls the SXM part "NVIDIA H100 80GB HBM3".
//  - H200 SXM: NVIDIA H200 datasheet: same compute as H100 SXM (its 989 TFLOPS TF32 and
//    1,979 BF16 are with sparsity, halved here), HBM3e 4.8 TB/s. H200 NVL and H100 NVL run at
//    lower clocks and power; they are left out rather than given the SXM figures.
//  - A100: NVIDIA A100 datasheet: FP32 19.5, TF32 156, BF16 312 dense; HBM 1,555 GB/s (40GB),
//    2,039 (80GB SXM4), 1,935 (80GB PCIe).
constexpr Known kKnown[] = {
    {"H100", "HBM3", "NVL", {"H100 SXM5", 66.9, 494.7, 989.4, 3350}},
    {"H100", "PCIe", "NVL", {"H100 PCIe", 51.2, 378.0, 756.0, 2000}},
    {"H200", "", "NVL", {"H200 SXM", 66.9, 494.7, 989.4, 4800}},
    {"A100", "SXM4-80GB", "", {"A100 SXM4 80GB", 19.5, 156.0, 312.0, 2039}},
    {"A100", "SXM4-40GB", "", {"A100 SXM4 40GB", 19.5, 156.0, 312.0, 1555}},
    {"A100", "80GB PCIe", "", {"A100 PCIe 80GB", 19.5, 156.0, 312.0, 1935}},
    {"A100", "PCIE-40GB", "", {"A100 PCIe 40GB", 19.5, 156.0, 312.0, 1555}},
};

bool has(std::string_view s, std::string_view part) { return part.empty() || s.find(part) != std::string_view::npos; }

}  // namespace

std::optional<GpuPeaks> gpu_peaks(std::string_view device_name) {
  for (const Known& k : kKnown)
    if (has(device_name, k.a) && has(device_name, k.b) && (k.unless.empty() || !has(device_name, k.unless)))
      return k.peaks;
  return std::nullopt;
}

}  // namespace hr::bench
