// The exchange units of HRNet, output by output, for the fused-versus-unfused table of
// `hrnet-bench kernels` (issue 8's goal: the fused unit at least 2x faster than the unfused
// cuDNN sequence 1x1 conv, BN, upsample, add, ReLU). Host code: `--list` prints them and the
// tests count them without a GPU.
#pragma once
#include <array>
#include <string>
#include <vector>

#include "hrnet_shapes.h"

namespace hr::bench {

// Output branch `out` of the modules of one stage with `branches` branches: what its sum reads.
struct ExchangeShape {
  std::string label;  // "stage3 output 0"
  int count = 0;      // how many modules of the network compute this output
  int N = 0, branches = 0, out = 0;
  std::array<int, 4> h{}, w{}, c{};  // extents and channels of the branches (0 past `branches`)

  // Terms j > out: a 1x1 conv C_j -> C_out at branch j's resolution, upsampled by 2^(j-out).
  int up_terms() const { return branches - 1 - out; }
  // Terms j < out: the last stride-2 conv of a down chain, already at the output's resolution.
  int down_terms() const { return out; }
  // Bytes of one branch-j activation with C_out channels (an up term after its conv), f32.
  int64_t term_bytes(int j) const { return int64_t(N) * h[size_t(j)] * w[size_t(j)] * c[size_t(out)] * 4; }
  int64_t out_bytes() const { return term_bytes(out); }
};

// Every distinct exchange output of the geometry in network order: stage 2 (1 module, 2
// branches), stage 3 (4 modules, 3 branches), stage 4 (3 modules, 4 branches; the last module
// computes output 0 only).
std::vector<ExchangeShape> hrnet_exchange_shapes(const HrnetGeometry& g);

// The --list table of them: label, count, output map, terms, bytes the unfused and the two
// fused variants move (see exchange_traffic).
std::string format_exchange_list(const HrnetGeometry& g);

// Bytes of the up paths and the sum of one output, f32, inference with BN, counted at the
// least (each tensor read or written once per kernel that touches it; weights not counted):
//   unfused: per up term the 1x1 conv (read the low-resolution input, write its output), BN
//            (read, write), upsample (read, write a full map), add (read 2 full maps, write 1;
//            the last with the ReLU);
//   native:  the identity copied (read, write), then per up term an accumulating conv (read its
//            input, read and write the full output);
//   lib_sum: per up term the library conv (read the input, write the low-resolution output),
//            then one fused sum (read the identity and every low-resolution term, write once);
//   unit:    one kernel (kernels/exchange/unit.h): read the identity and every up term's input,
//            write the output once.
struct ExchangeTraffic {
  int64_t unfused = 0, native = 0, lib_sum = 0, unit = 0;
};
ExchangeTraffic exchange_traffic(const ExchangeShape& e);

}  // namespace hr::bench
