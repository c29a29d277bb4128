// The pieces of ops::conv2d that fused ops built around a convolution reuse
// (ops::batch_norm_relu_conv2d): the checked geometry, and the forward and backward passes on
// tensors, dispatched to the CPU kernels or to the CUDA registry dispatch.
#pragma once
#include "engine/tensor.h"
#include "kernels/common/conv_shape.h"

namespace hr::ops::detail {

// The geometry of conv2d(X, Wt, bias, stride) after every check of conv2d, named after `op`.
// bias may be null (no bias).
kern::ConvDesc conv2d_desc(const char* op, const Tensor& X, const Tensor& Wt, const Tensor* bias, int stride);

// Y = conv(X, Wt) + bias (bias may be undefined).
void conv2d_forward_into(const kern::ConvDesc& d, const Tensor& X, const Tensor& Wt, const Tensor& bias, Tensor& Y);

// Accumulates the gradients of conv2d given dY into the defined ones of gX, gW, gB.
void conv2d_backward_into(const kern::ConvDesc& d, const Tensor& X, const Tensor& Wt, const Tensor& dY, Tensor& gX,
                          Tensor& gW, Tensor& gB);

}  // namespace hr::ops::detail
