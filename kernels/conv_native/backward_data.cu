// Native convolution data gradient on the GPU (block bodies in igemm_*.h); accumulates into dx.
#include "kernels/conv_native/launch.cuh"
#include "kernels/conv_native/native_check.h"

namespace hr::kern {

void conv_native_backward_data_cuda(const ConvDesc& d, const float* dy, const float* w, float* dx, NativeMath math,
                                    Stream stream) {
  native::check_supported(d, "conv_native_backward_data_cuda");
  native::launch_gemm(native::ConvBackwardData{d, dy, w, dx}, math, 1, stream, "conv_native_backward_data_cuda", d);
}

}  // namespace hr::kern
