// The fused-versus-unfused exchange-unit table of `hrnet-bench kernels` (CUDA builds).
#pragma once
#include <nlohmann/json.hpp>

#include "hrnet_shapes.h"
#include "kernels_bench.h"

namespace hr::bench {

// For every exchange output of `g` that has up paths (exchange_shapes.h), inference with BN:
//   unfused        per up term cuDNN/cuBLAS 1x1 conv, BN, upsample, add (ReLU on the last add)
//   native fused   the identity copied, then per up term our conv with its epilogue: BN folded,
//                  broadcast from low resolution, accumulated, ReLU on the last
//   lib + fused sum  per up term the library 1x1 conv, then the fused sum kernel with BN in its
//                  affine slot (kernels/exchange)
//   native unit    one kernel for the whole output (kernels/exchange/unit.h): the identity and
//                  every up term's 1x1 conv at low resolution, BN folded, broadcast, ReLU
// and the sum alone as training runs it (upsample + adds + add_relu against exchange_forward).
// Each fused variant is checked against the unfused output before it is timed (FAIL: not
// timed). Prints one markdown table; returns how many checks failed; appends JSON records.
int run_exchange_table(const KernelsOptions& o, const HrnetGeometry& g, nlohmann::json& results);

}  // namespace hr::bench
