// The library convolutions behind conv2d_*_cuda (kernels/conv/conv.h): cuDNN for every shape,
// cuBLAS GEMMs for 1x1 stride-1 convolutions (in NHWC the input already is the GEMM operand
// [N*H*W, Cin]). Forward overwrites y; backward passes accumulate into dx / dw (beta = 1).
#pragma once
#include <string>

#include "kernels/common/conv_describe.h"
#include "kernels/common/conv_shape.h"
#include "kernels/common/stream.h"
#include "kernels/common/workspace.h"
#include "kernels/cudnn/context.h"

namespace hr::kern::lib {

using kern::describe_conv;  // kernels/common/conv_describe.h

void cudnn_conv_forward(const ConvDesc& d, const float* x, const float* w, float* y, Workspace& ws,
                        Stream stream);
void cudnn_conv_backward_data(const ConvDesc& d, const float* dy, const float* w, float* dx, Workspace& ws,
                              Stream stream);
void cudnn_conv_backward_filter(const ConvDesc& d, const float* x, const float* dy, float* dw, Workspace& ws,
                                Stream stream);

// K == 1, stride == 1 only.
void gemm_conv1x1_forward(const ConvDesc& d, const float* x, const float* w, float* y, Stream stream);
void gemm_conv1x1_backward_data(const ConvDesc& d, const float* dy, const float* w, float* dx, Stream stream);
void gemm_conv1x1_backward_filter(const ConvDesc& d, const float* x, const float* dy, float* dw, Stream stream);

}  // namespace hr::kern::lib
