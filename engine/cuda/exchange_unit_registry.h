// The kernel registry (engine/registry/) for the fused inference exchange unit on CUDA: op
// `exchange_unit`, two versions of one output branch of an exchange unit in eval mode:
//   cudnn       the library baseline: each conv term through kern::conv2d_forward_cuda (cuDNN /
//               cuBLAS), then the fused sum (kernels/exchange/exchange.h) with BN in its affine
//               slot, broadcast and ReLU: what the network runs without the unit
//   native_f32  the whole output in one kernel (kernels/exchange/unit.h), f32 fmaf chains
// Tolerance 1e-4 (5e-3 with HRNET_TF32=1), as for native_f32 convolutions: the same terms
// summed in other orders. The op lives in the same registry as the convolutions
// (conv_registry.h), so HRNET_KERNELS forces it the same way: `exchange_unit=native_f32`,
// `native`, `cudnn`, or `auto`. Built only with CUDA.
#pragma once
#include <functional>
#include <string>
#include <string_view>

#include "engine/registry/kernel_registry.h"
#include "kernels/common/stream.h"
#include "kernels/common/workspace.h"
#include "kernels/exchange/unit.h"

namespace hr::cuda {

constexpr const char* kExchangeUnitOp = "exchange_unit";

registry::OpInfo exchange_unit_op();

// "N32 64x48x32 relu | id | 1x1/1 64@32x24 up2 scale+shift | ...", plus the baseline's math mode.
std::string exchange_unit_shape_key(const kern::ExchangeUnitDesc& d);

// Random operands on the device for a unit of d's geometry (pointers in d are ignored).
registry::Trial make_exchange_unit_trial(const kern::ExchangeUnitDesc& d, const registry::OpInfo& op,
                                         std::function<double(const std::function<void()>&)> time_ms);

// The version the current device's registry chooses for this unit (HRNET_KERNELS set).
std::string choose_exchange_unit_version(const kern::ExchangeUnitDesc& d);

// Runs one version on d's device pointers into y [N][H][W][C].
void run_exchange_unit_version(std::string_view version, const kern::ExchangeUnitDesc& d, float* y,
                               kern::Workspace& ws, kern::Stream stream);

}  // namespace hr::cuda
