// Native convolution forward on the GPU (block bodies in igemm_*.h).
#include "kernels/conv_native/launch.cuh"
#include "kernels/conv_native/native_check.h"

namespace hr::kern {

void conv_native_forward_cuda(const ConvDesc& d, const float* x, const float* w, float* y, NativeMath math,
                              Stream stream) {
  native::check_supported(d, "conv_native_forward_cuda");
  native::launch_gemm(native::ConvForward{d, x, w, y}, math, 1, stream, "conv_native_forward_cuda", d);
}

void conv_native_forward_fused_cuda(const ConvDesc& d, const float* x, const float* w, float* y, NativeMath math,
                                    const native::ConvEpilogue& ep, Stream stream) {
  conv_native_forward_fused_cuda(d, x, w, y, math, native::ConvPrologue{}, ep, stream);
}

void conv_native_forward_fused_cuda(const ConvDesc& d, const float* x, const float* w, float* y, NativeMath math,
                                    const native::ConvPrologue& pro, const native::ConvEpilogue& ep, Stream stream) {
  native::check_supported(d, "conv_native_forward_fused_cuda");
  native::check_epilogue(d, ep, "conv_native_forward_fused_cuda");
  native::launch_gemm(native::ConvForward{d, x, w, y, ep, pro}, math, 1, stream, "conv_native_forward_fused_cuda", d);
}

void conv_native_forward_stats_cuda(const ConvDesc& d, const float* x, const float* w, float* y, NativeMath math,
                                    double* mean, double* var, Workspace& ws, Stream stream) {
  const char* fn = "conv_native_forward_stats_cuda";
  native::check_supported(d, fn);
  double* partial = static_cast<double*>(ws.get(native::stats_partial_count(d) * sizeof(double)));
  native::launch_gemm(native::ConvForward{d, x, w, y}, math, 1, stream, fn, d, partial);
  const MomentsParams mp = native::stats_merge_params(d, partial, mean, var);
  emu::launch<MomentsMergeBlock>(MomentsMergeBlock::grid(mp), MomentsMergeBlock::block(), 0, mp, stream);
  cuda_check(cudaGetLastError(), fn, [&] { return describe_conv(d) + ", statistics merge"; });
}

}  // namespace hr::kern
