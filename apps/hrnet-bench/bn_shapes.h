// The batch norms of HRNet for the BN table of `hrnet-bench kernels`: every conv but the final
// one is followed by one, over its output [N*Ho*Wo][Cout]. Host code (`--list`, tests).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "hrnet_shapes.h"

namespace hr::bench {

struct BnShape {
  int64_t rows = 0;  // N * H * W of the normalised activation
  int C = 0;
  int count = 0;  // how many BNs of the network have this shape
};

// Distinct (rows, C) in order of first appearance, merged over the conv shapes.
std::vector<BnShape> hrnet_bn_shapes(const HrnetGeometry& g);

// The --list table: rows, C, count, bytes one fused forward moves (read x, write y).
std::string format_bn_list(const HrnetGeometry& g);

}  // namespace hr::bench
