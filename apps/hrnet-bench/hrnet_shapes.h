// The convolutions of PoseHighResolutionNet, derived from the architecture rules
// (official-hrnet.md section 1), for benchmarking conv kernels layer shape by layer shape.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kernels/common/conv_shape.h"

namespace hr::bench {

struct HrnetGeometry {
  int width = 32;     // W of HRNet-W32 / W48: branch channels are W, 2W, 4W, 8W
  int image_h = 256;  // network input height
  int image_w = 192;  // network input width
  int batch = 1;
  int joints = 17;  // output channels of the final 1x1 conv
};

// One distinct convolution shape and how often the network runs it per forward pass.
struct ConvShape {
  std::string label;    // where it occurs; labels of merged occurrences are joined by " / "
  kern::ConvDesc desc;  // N = batch
  bool bias = false;    // only the final layer has one
  int count = 0;
};

// Empty string when the geometry is valid, otherwise why not (HRNet needs H/4, W/4
// divisible by 8 so that the four branches line up in the fuse sums).
std::string validate(const HrnetGeometry& g);

// Every distinct conv shape in order of first appearance in the forward pass.
std::vector<ConvShape> hrnet_conv_shapes(const HrnetGeometry& g);

int total_conv_count(const std::vector<ConvShape>& shapes);

// Multiply-adds of one image through all convs (bias adds not counted, as the official
// get_model_summary does).
int64_t macs_per_image(const std::vector<ConvShape>& shapes);

// A published "GFLOPs" figure (multiply-adds / 2^30) and the rounding it was given with.
struct OfficialMacs {
  double gmacs;
  double tolerance;  // half a unit of the last published decimal
};

// The official figure for the geometries that have one; nullopt for the others.
std::optional<OfficialMacs> official_gmacs(const HrnetGeometry& g);

// Achieved rate of `macs` multiply-adds in `ms` milliseconds (2 FLOPs each), 0 for no time.
inline double gflops(int64_t macs, double ms) { return ms > 0 ? 2.0 * double(macs) / (ms * 1e6) : 0.0; }

}  // namespace hr::bench
