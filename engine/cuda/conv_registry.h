// The kernel registry (engine/registry/) for convolutions on CUDA: three ops, one per pass
// (conv_fwd, conv_dgrad, conv_wgrad), each with three versions:
//   cudnn        the library baseline, kern::conv2d_*_cuda with ConvLib::Auto (cuDNN, and cuBLAS
//                for 1x1 stride-1 shapes)
//   native_f32   our implicit GEMM, SIMT fp32 (kernels/conv_native/conv_native.h)
//   native_bf16  our implicit GEMM on tensor cores, bf16 operands, fp32 accumulation
//   native_bf16p the tuned version: the next K slice prefetched into registers, fragments by
//                ldmatrix (same bits, twice the registers: which is faster is for the GPU to say)
// Tolerances (normalized error against cudnn, measure.h): native_f32 1e-4 (two fp32 sums in
// different orders over up to N*Ho*Wo terms agree to ~1e-6; 5e-3 when HRNET_TF32 makes the
// baseline itself TF32), native_bf16 1e-2 (rounding both operands to 8 significant bits gives
// ~1e-3 of the largest output on random data; a missing tap or channel slice gives 1e-1 or more).
// Bias is not part of these ops: it is conv_bias_add_cuda / conv_bias_grad_cuda either way.
// Built only with CUDA.
//
// The engine's conv2d on CUDA goes through conv_*_dispatch below: with HRNET_KERNELS unset it
// calls the baseline directly, as before the registry existed (the native kernels have not yet
// been checked on a GPU by anyone; once they are, the default becomes `auto`). With
// HRNET_KERNELS set (`auto`, a version, or per-op choices) the registry decides per shape.
// native_bf16(p) round the operands to bf16: `auto` considers them only with HRNET_CONV_BF16=1
// (as TF32 needs HRNET_TF32=1); without it the registry does not know these versions at all.
#pragma once
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/registry/kernel_registry.h"
#include "kernels/common/conv_shape.h"
#include "kernels/common/stream.h"
#include "kernels/common/workspace.h"

namespace hr::cuda {

enum class ConvPass { Forward, DataGrad, WeightGrad };

// "conv_fwd", "conv_dgrad", "conv_wgrad"
const char* conv_op_name(ConvPass pass);
// "fwd", "dgrad", "wgrad" (hrnet-bench kernels --pass)
const char* conv_pass_short(ConvPass pass);

// The op with the versions above; `versions` picks a subset (the baseline must be among them),
// empty: all three.
registry::OpInfo conv_op(ConvPass pass, const std::vector<std::string>& versions = {});

// "N32 64x48 32->32 K3 s1 fp32": the geometry, and the baseline's math mode (TF32 changes
// both its speed and its results).
std::string conv_shape_key(const kern::ConvDesc& d);

// Random operands for `d` on the device and one zeroed output per version of `op`; candidates
// run each version into its own output. time_ms times one run (cuda::time_ms with the caller's
// warmup and repeat).
registry::Trial make_conv_trial(const kern::ConvDesc& d, ConvPass pass, const registry::OpInfo& op,
                                std::function<double(const std::function<void()>&)> time_ms);

// The version the current device's registry chooses for this shape and pass (HRNET_KERNELS,
// HRNET_KERNEL_CACHE; measured with 2 warmup runs and the median of 5 on first use).
std::string choose_conv_version(const kern::ConvDesc& d, ConvPass pass);

// Runs one version with the contract of kernels/conv/conv.h, without bias: forward writes
// out = y from (in0, in1) = (x, w); data grad accumulates out = dx from (dy, w); weight grad
// accumulates out = dw from (x, dy). An unknown name is an error listing the valid ones.
void run_conv_version(std::string_view version, ConvPass pass, const kern::ConvDesc& d, const float* in0,
                      const float* in1, float* out, kern::Workspace& ws, kern::Stream stream);

// The current device's registry of the engine's ops (these three and exchange_unit,
// exchange_unit_registry.h): one per (device, TF32 mode, bf16 allowed).
registry::KernelRegistry& engine_registry();

// True when HRNET_KERNELS is set (non-empty): conv2d consults the registry.
bool conv_registry_enabled();
// True when HRNET_CONV_BF16=1: native_bf16 and native_bf16p are among the registry's versions.
bool conv_bf16_allowed();

// conv2d's CUDA passes (the contract of kernels/conv/conv.h, bias included): the baseline
// when the registry is off, else the registry's version for this shape, with our bias kernels.
void conv_forward_dispatch(const kern::ConvDesc& d, const float* x, const float* w, const float* bias, float* y,
                           kern::Workspace& ws, kern::Stream stream);
void conv_backward_data_dispatch(const kern::ConvDesc& d, const float* dy, const float* w, float* dx,
                                 kern::Workspace& ws, kern::Stream stream);
void conv_backward_weight_dispatch(const kern::ConvDesc& d, const float* x, const float* dy, float* dw, float* dbias,
                                   kern::Workspace& ws, kern::Stream stream);

}  // namespace hr::cuda
