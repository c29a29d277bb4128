// Native convolution forward on the GPU (block bodies in igemm_*.h).
#include "kernels/conv_native/launch.cuh"
#include "kernels/conv_native/native_check.h"

namespace hr::kern {

void conv_native_forward_cuda(const ConvDesc& d, const float* x, const float* w, float* y, NativeMath math,
                              Stream stream) {
  native::check_supported(d, "conv_native_forward_cuda");
  native::launch_gemm(native::ConvForward{d, x, w, y}, math, 1, stream, "conv_native_forward_cuda", d);
}

}  // namespace hr::kern
