// The shapes `hrnet-bench kernels` measures: every distinct conv shape of the HRNet geometries
// it sweeps, and how they are described and counted. Host code only, so `--list` works in a
// build without CUDA and is unit-tested on the CPU.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "hrnet_shapes.h"

namespace hr::bench {

// The geometries to run: W32 and W48 at 256x192 and 384x288, batch `batch`, narrowed by a
// nonzero width (one width) and a nonzero image height and width (one input size; give both).
// Throws hr::Error when only one of height and width is given.
std::vector<HrnetGeometry> kernel_geometries(int width, int image_h, int image_w, int batch);

// "HRNet-W32 256x192, batch 32"
std::string geometry_title(const HrnetGeometry& g);

// "N32 256x192x3 -> 128x96x64 K3 s2"
std::string describe_desc(const kern::ConvDesc& d);

// Bytes one pass of a conv moves at the least: its two inputs and its output once each, f32.
// The same for all three passes (forward x, w -> y; data grad dy, w -> dx; weight grad x, dy -> dw).
int64_t conv_pass_bytes(const kern::ConvDesc& d);

// Whether `label` passes --filter (empty: everything).
bool label_selected(const std::string& label, const std::string& filter);

// The markdown table `hrnet-bench kernels --list` prints for one geometry: a title line, then per
// shape its index, label, count, ConvDesc, multiply-adds and bytes of one conv at this batch, then
// a count-weighted total row.
std::string format_shape_list(const HrnetGeometry& g, const std::string& filter);

}  // namespace hr::bench
