// conv2d_*_cuda (kernels/conv/conv.h): 1x1 stride-1 convolutions go to cuBLAS, all others
// to cuDNN; the bias is added and differentiated by our kernels (kernels/conv/cuda.cu).
#include "kernels/conv/conv.h"
#include "kernels/cudnn/conv_lib.h"

namespace hr::kern {

namespace {
bool use_gemm(const ConvDesc& d, ConvLib lib) {
  const bool gemm_ok = d.K == 1 && d.stride == 1;
  if (lib == ConvLib::Cublas && !gemm_ok)
    throw Error("conv2d on CUDA: cuBLAS handles only 1x1 stride-1 convolutions, got " + lib::describe_conv(d));
  return lib == ConvLib::Cublas || (lib == ConvLib::Auto && gemm_ok);
}
}  // namespace

void conv2d_forward_cuda(const ConvDesc& d, const float* x, const float* w, const float* bias, float* y,
                         Workspace& ws, Stream stream, ConvLib lib) {
  if (use_gemm(d, lib))
    lib::gemm_conv1x1_forward(d, x, w, y, stream);
  else
    lib::cudnn_conv_forward(d, x, w, y, ws, stream);
  if (bias) conv_bias_add_cuda(d.rows(), d.Cout, bias, y, stream);
}

void conv2d_backward_data_cuda(const ConvDesc& d, const float* dy, const float* w, float* dx, Workspace& ws,
                               Stream stream, ConvLib lib) {
  if (use_gemm(d, lib))
    lib::gemm_conv1x1_backward_data(d, dy, w, dx, stream);
  else
    lib::cudnn_conv_backward_data(d, dy, w, dx, ws, stream);
}

void conv2d_backward_weight_cuda(const ConvDesc& d, const float* x, const float* dy, float* dw, float* dbias,
                                 Workspace& ws, Stream stream, ConvLib lib) {
  if (dw) {
    if (use_gemm(d, lib))
      lib::gemm_conv1x1_backward_filter(d, x, dy, dw, stream);
    else
      lib::cudnn_conv_backward_filter(d, x, dy, dw, ws, stream);
  }
  if (dbias) conv_bias_grad_cuda(d.rows(), d.Cout, dy, dbias, ws, stream);
}

}  // namespace hr::kern
