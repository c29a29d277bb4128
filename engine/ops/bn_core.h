// The checks of ops::batch_norm_act that fused ops built around a batch norm reuse
// (ops::batch_norm_relu_conv2d).
#pragma once
#include "engine/tensor.h"

namespace hr::ops::detail {

// x [N,H,W,C] and the four [C] tensors on x's device and dtype, named after `op`.
void check_bn_params(const char* op, const Tensor& X, const Tensor& gamma, const Tensor& beta,
                     const Tensor& running_mean, const Tensor& running_var);

}  // namespace hr::ops::detail
