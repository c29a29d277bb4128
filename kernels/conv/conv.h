// Convolution kernels, NHWC activations, weights [Cout][K][K][Cin], padding K/2.
// The CPU versions are the ground truth for every other backend.
// Contract shared by all backends: forward overwrites y; backward kernels ACCUMULATE into
// dx / dw / dbias (the engine zero-fills a gradient buffer before its first use).
#pragma once
#include "kernels/common/conv_shape.h"
#include "kernels/common/stream.h"
#include "kernels/common/workspace.h"

namespace hr::kern {

// Below this many multiply-adds per thread chunk (~10 us of GEMM) waking another thread costs
// about as much as it saves, so tiny layers (test sizes) stay on the calling thread. Shared
// with hrnet-bench ops, whose GEMM baseline must split rows exactly as the conv does.
constexpr int64_t kConvMinChunkMacs = int64_t(1) << 18;

template <typename T>
void conv2d_forward_cpu(const ConvDesc& d, const T* x, const T* w, const T* bias, T* y);

template <typename T>
void conv2d_backward_data_cpu(const ConvDesc& d, const T* dy, const T* w, T* dx);

// dbias may be null (no bias).
template <typename T>
void conv2d_backward_weight_cpu(const ConvDesc& d, const T* x, const T* dy, T* dw, T* dbias);

// A plain direct convolution, seven nested loops, no threads: the readable reference that
// the fast CPU path is tested against.
template <typename T>
void conv2d_forward_reference(const ConvDesc& d, const T* x, const T* w, const T* bias, T* y);

// ---- CUDA (f32 device pointers; built when CUDA is on) -----------------------------------
// The library baseline (kernels/cudnn/): cuDNN in NHWC, 1x1 stride-1 convolutions as cuBLAS
// GEMMs (ConvLib::Auto); Cudnn / Cublas force one library (hrnet-bench ops compares them).
// The same contract as the CPU: forward overwrites y, backward accumulates; dw may be null
// when only the bias gradient is wanted, dbias null without bias.
enum class ConvLib { Auto, Cudnn, Cublas };

void conv2d_forward_cuda(const ConvDesc& d, const float* x, const float* w, const float* bias, float* y,
                         Workspace& ws, Stream stream, ConvLib lib = ConvLib::Auto);
void conv2d_backward_data_cuda(const ConvDesc& d, const float* dy, const float* w, float* dx, Workspace& ws,
                               Stream stream, ConvLib lib = ConvLib::Auto);
void conv2d_backward_weight_cuda(const ConvDesc& d, const float* x, const float* dy, float* dw, float* dbias,
                                 Workspace& ws, Stream stream, ConvLib lib = ConvLib::Auto);

// Our kernels (kernels/conv/cuda.cu): y[r][c] += bias[c]; dbias[c] += sum over rows of dy[r][c]
// (deterministic chunked sum in double).
void conv_bias_add_cuda(int64_t rows, int C, const float* bias, float* y, Stream stream);
void conv_bias_grad_cuda(int64_t rows, int C, const float* dy, float* dbias, Workspace& ws, Stream stream);

}  // namespace hr::kern
