// Native convolutions (issue 8): implicit GEMM over NHWC for odd K x K kernels (1 to 7) with padding
// K/2 and stride 1 or 2 (HRNet's 3x3 convs, stride 1 and 2, and its 1x1 convs), forward, data
// gradient and weight gradient. Written once as block bodies for the grid emulator
// (docs/kernels.md): the *_emu entry points run them on the CPU (tests, CI), the *_cuda entry
// points on a GPU. Same contract as kernels/conv/conv.h: forward overwrites y, the backward
// passes ACCUMULATE into dx / dw.
//
// Two arithmetic paths:
//   F32   SIMT fmaf chains in a fixed k order: the GPU, the emulator and a serial loop over
//         the same order agree bit for bit.
//   BF16  tensor cores (mma.sync m16n8k16, bf16 operands rounded to nearest even from the
//         f32 tensors, f32 accumulation). The emulator gathers the 32 lanes' fragments by the
//         PTX-documented layouts and multiplies in double, so it agrees with a GPU to the
//         accumulation rounding only (the hardware's summation order inside one mma is not
//         documented).
#pragma once
#include <cstdint>
#include <string>

#include "kernels/common/conv_shape.h"
#include "kernels/common/stream.h"
#include "kernels/common/workspace.h"
#include "kernels/emu/options.h"

namespace hr::kern {

// F32: SIMT fmaf. BF16: tensor cores, each K slice staged then multiplied. BF16Pipelined: the
// tuned version, the same arithmetic (the same bits): the next slice gathered into registers
// during the current one's mma work, fragments by ldmatrix; a separate version because it
// doubles the registers (see igemm_bf16.h).
enum class NativeMath { F32, BF16, BF16Pipelined };

namespace native {
struct ConvEpilogue;  // problems.h: affine, broadcast, accumulate, ReLU at the store
struct ConvPrologue;  // problems.h: affine and ReLU on each input value as it is gathered
}

const char* native_math_name(NativeMath m);  // "f32", "bf16", "bf16p"

// Shapes the native kernels take: K odd (1 or 3 in HRNet), stride 1 or 2, non-empty. Empty
// string when supported, else why not.
std::string conv_native_unsupported(const ConvDesc& d);

// Split-K factor of the weight gradient: its GEMM is [Cout] x [K*K*Cin] over N*Ho*Wo rows,
// skinny for HRNet's low-channel layers, so the rows are cut into this many slices, each block
// column sums one slice into a partial, and a second pass adds the partials in slice order
// (deterministic, no atomics).
int conv_native_wgrad_splits(const ConvDesc& d);
// Bytes of workspace the weight gradient needs for `splits` partials.
int64_t conv_native_wgrad_workspace_bytes(const ConvDesc& d, int splits);

// ---- CPU grid emulator (host pointers; slow: for tests at small sizes) ---------------------
void conv_native_forward_emu(const ConvDesc& d, const float* x, const float* w, float* y, NativeMath math,
                             const emu::EmuOptions& opt = {});
// The forward with an epilogue (problems.h ConvEpilogue); y is the larger map when ep.up > 0.
void conv_native_forward_fused_emu(const ConvDesc& d, const float* x, const float* w, float* y, NativeMath math,
                                   const native::ConvEpilogue& ep, const emu::EmuOptions& opt = {});
// The forward and the weight gradient with a prologue on the input x (and the forward's epilogue):
// the previous layer's BN + ReLU applied as x is gathered (problems.h ConvPrologue).
void conv_native_forward_fused_emu(const ConvDesc& d, const float* x, const float* w, float* y, NativeMath math,
                                   const native::ConvPrologue& pro, const native::ConvEpilogue& ep,
                                   const emu::EmuOptions& opt = {});
void conv_native_backward_weight_fused_emu(const ConvDesc& d, const float* x, const float* dy, float* dw,
                                           NativeMath math, const native::ConvPrologue& pro, int splits = 0,
                                           const emu::EmuOptions& opt = {});
// The forward with batch-norm statistics fused into its epilogue (tile_stats.h): besides y,
// the per-channel mean and biased variance of y over all N*Ho*Wo rows, in double (device
// pointers on CUDA; one partial per 64-row tile, merged in order, see moments_block.h).
void conv_native_forward_stats_emu(const ConvDesc& d, const float* x, const float* w, float* y, NativeMath math,
                                   double* mean, double* var, const emu::EmuOptions& opt = {});
void conv_native_backward_data_emu(const ConvDesc& d, const float* dy, const float* w, float* dx, NativeMath math,
                                   const emu::EmuOptions& opt = {});
// splits = 0: conv_native_wgrad_splits(d).
void conv_native_backward_weight_emu(const ConvDesc& d, const float* x, const float* dy, float* dw, NativeMath math,
                                     int splits = 0, const emu::EmuOptions& opt = {});

// ---- GPU (device pointers; built when CUDA is on) ------------------------------------------
void conv_native_forward_cuda(const ConvDesc& d, const float* x, const float* w, float* y, NativeMath math,
                              Stream stream);
void conv_native_forward_fused_cuda(const ConvDesc& d, const float* x, const float* w, float* y, NativeMath math,
                                    const native::ConvEpilogue& ep, Stream stream);
void conv_native_forward_fused_cuda(const ConvDesc& d, const float* x, const float* w, float* y, NativeMath math,
                                    const native::ConvPrologue& pro, const native::ConvEpilogue& ep, Stream stream);
void conv_native_backward_weight_fused_cuda(const ConvDesc& d, const float* x, const float* dy, float* dw,
                                            NativeMath math, const native::ConvPrologue& pro, Workspace& ws,
                                            Stream stream, int splits = 0);
void conv_native_forward_stats_cuda(const ConvDesc& d, const float* x, const float* w, float* y, NativeMath math,
                                    double* mean, double* var, Workspace& ws, Stream stream);
void conv_native_backward_data_cuda(const ConvDesc& d, const float* dy, const float* w, float* dx, NativeMath math,
                                    Stream stream);
void conv_native_backward_weight_cuda(const ConvDesc& d, const float* x, const float* dy, float* dw, NativeMath math,
                                      Workspace& ws, Stream stream, int splits = 0);

}  // namespace hr::kern
