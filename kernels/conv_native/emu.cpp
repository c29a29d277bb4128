// The native convolutions run by the CPU grid emulator: the same block bodies nvcc compiles
// (igemm_f32.h, igemm_bf16.h, reduce.h), scheduled block by block on the host.
#include <vector>

#include "kernels/conv_native/conv_native.h"
#include "kernels/conv_native/igemm_bf16.h"
#include "kernels/conv_native/igemm_f32.h"
#include "kernels/conv_native/native_check.h"
#include "kernels/conv_native/reduce.h"
#include "kernels/emu/cpu_block.h"

namespace hr::kern {

namespace {
template <template <typename> class Block, typename Problem>
void run_block(const Problem& pr, int splits, double* stats, const emu::EmuOptions& opt) {
  using B = Block<Problem>;
  emu::run_grid<B>(B::grid(pr.M(), pr.N(), splits), B::block(), B::shared_bytes(stats != nullptr),
                   native::IgemmParams<Problem>{pr, splits, stats}, opt);
}

template <typename Problem>
void run_gemm(const Problem& pr, NativeMath math, int splits, const emu::EmuOptions& opt, double* stats = nullptr) {
  static_assert(native::IgemmF32Block<Problem>::kTM == 64 && native::IgemmBf16Block<Problem>::kTM == 64 &&
                    native::IgemmF32Block<Problem>::kTN == 64 && native::IgemmBf16Block<Problem>::kTN == 64,
                "check_grid below assumes 64 x 64 tiles");
  native::check_grid(pr.M(), pr.N(), splits, 64, 64, pr.d, "conv_native (emulator)");
  switch (math) {
    case NativeMath::F32: return run_block<native::IgemmF32Block>(pr, splits, stats, opt);
    case NativeMath::BF16: return run_block<native::IgemmBf16SimpleBlock>(pr, splits, stats, opt);
    case NativeMath::BF16Pipelined: return run_block<native::IgemmBf16PipelinedBlock>(pr, splits, stats, opt);
  }
}
}  // namespace

void conv_native_forward_emu(const ConvDesc& d, const float* x, const float* w, float* y, NativeMath math,
                             const emu::EmuOptions& opt) {
  native::check_supported(d, "conv_native_forward_emu");
  run_gemm(native::ConvForward{d, x, w, y}, math, 1, opt);
}

void conv_native_forward_fused_emu(const ConvDesc& d, const float* x, const float* w, float* y, NativeMath math,
                                   const native::ConvEpilogue& ep, const emu::EmuOptions& opt) {
  conv_native_forward_fused_emu(d, x, w, y, math, native::ConvPrologue{}, ep, opt);
}

void conv_native_forward_fused_emu(const ConvDesc& d, const float* x, const float* w, float* y, NativeMath math,
                                   const native::ConvPrologue& pro, const native::ConvEpilogue& ep,
                                   const emu::EmuOptions& opt) {
  native::check_supported(d, "conv_native_forward_fused_emu");
  native::check_epilogue(d, ep, "conv_native_forward_fused_emu");
  run_gemm(native::ConvForward{d, x, w, y, ep, pro}, math, 1, opt);
}

void conv_native_forward_stats_emu(const ConvDesc& d, const float* x, const float* w, float* y, NativeMath math,
                                   double* mean, double* var, const emu::EmuOptions& opt) {
  native::check_supported(d, "conv_native_forward_stats_emu");
  std::vector<double> partial(native::stats_partial_count(d));
  run_gemm(native::ConvForward{d, x, w, y}, math, 1, opt, partial.data());
  const MomentsParams mp = native::stats_merge_params(d, partial.data(), mean, var);
  emu::run_grid<MomentsMergeBlock>(MomentsMergeBlock::grid(mp), MomentsMergeBlock::block(), 0, mp, opt);
}

void conv_native_backward_data_emu(const ConvDesc& d, const float* dy, const float* w, float* dx, NativeMath math,
                                   const emu::EmuOptions& opt) {
  native::check_supported(d, "conv_native_backward_data_emu");
  run_gemm(native::ConvBackwardData{d, dy, w, dx}, math, 1, opt);
}

void conv_native_backward_weight_emu(const ConvDesc& d, const float* x, const float* dy, float* dw, NativeMath math,
                                     int splits, const emu::EmuOptions& opt) {
  conv_native_backward_weight_fused_emu(d, x, dy, dw, math, native::ConvPrologue{}, splits, opt);
}

void conv_native_backward_weight_fused_emu(const ConvDesc& d, const float* x, const float* dy, float* dw,
                                           NativeMath math, const native::ConvPrologue& pro, int splits,
                                           const emu::EmuOptions& opt) {
  native::check_supported(d, "conv_native_backward_weight_emu");
  splits = native::checked_splits(d, splits, "conv_native_backward_weight_emu");
  std::vector<float> partial(size_t(conv_native_wgrad_workspace_bytes(d, splits) / sizeof(float)));
  run_gemm(native::ConvBackwardWeight{d, x, dy, partial.data(), pro}, math, splits, opt);
  const native::SplitReduceParams rp{d.weight_elems(), splits, partial.data(), dw};
  emu::run_grid<native::SplitReduceBlock>(native::SplitReduceBlock::grid(rp.n), native::SplitReduceBlock::block(), 0,
                                          rp, opt);
}

}  // namespace hr::kern
