// Native convolution weight gradient on the GPU: split-K partials in the workspace, then the
// in-order reduction (reduce.h) that accumulates into dw.
#include "kernels/conv_native/launch.cuh"
#include "kernels/conv_native/native_check.h"
#include "kernels/conv_native/reduce.h"

namespace hr::kern {

void conv_native_backward_weight_cuda(const ConvDesc& d, const float* x, const float* dy, float* dw, NativeMath math,
                                      Workspace& ws, Stream stream, int splits) {
  conv_native_backward_weight_fused_cuda(d, x, dy, dw, math, native::ConvPrologue{}, ws, stream, splits);
}

void conv_native_backward_weight_fused_cuda(const ConvDesc& d, const float* x, const float* dy, float* dw,
                                            NativeMath math, const native::ConvPrologue& pro, Workspace& ws,
                                            Stream stream, int splits) {
  const char* fn = "conv_native_backward_weight_cuda";
  native::check_supported(d, fn);
  splits = native::checked_splits(d, splits, fn);
  float* partial = static_cast<float*>(ws.get(size_t(conv_native_wgrad_workspace_bytes(d, splits))));
  native::launch_gemm(native::ConvBackwardWeight{d, x, dy, partial, pro}, math, splits, stream, fn, d);
  const native::SplitReduceParams rp{d.weight_elems(), splits, partial, dw};
  emu::launch<native::SplitReduceBlock>(native::SplitReduceBlock::grid(rp.n), native::SplitReduceBlock::block(), 0, rp,
                                        stream);
  cuda_check(cudaGetLastError(), fn, [&] { return describe_conv(d) + ", split-K reduction"; });
}

}  // namespace hr::kern
