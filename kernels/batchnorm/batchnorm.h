// Batch normalisation over NHWC rows: x is [rows][C] with rows = N*H*W.
// Training: batch statistics (two-pass, accumulated in double), running statistics updated
// with PyTorch's rule: running = (1-momentum)*running + momentum*stat, with the UNBIASED
// batch variance (rows/(rows-1)) for running_var. Eval: running statistics.
// Backward kernels accumulate into dx / dgamma / dbeta; any of them may be null.
//
// Fusion (issue 8): what follows BN in HRNet (a ReLU, or the block's residual add and ReLU)
// runs in the same pass, BnAct: y = relu?(bn(x) + residual?). The backward takes the forward
// output for the ReLU mask and computes the masked gradient on the fly in both of its passes
// (the reductions and dx), writing it to dresidual when there is a residual. The arithmetic is
// the unfused sequence's (bn_apply, then the add, then relu_value; relu_grad on the output),
// so fused and unfused results are the same bits, while the BN output and the masked gradient
// are never stored.
#pragma once
#include <cmath>
#include <cstdint>

#include "kernels/common/hd.h"
#include "kernels/common/stream.h"
#include "kernels/common/workspace.h"
#include "kernels/elementwise/elementwise.h"
#include "kernels/emu/options.h"

namespace hr::kern {

// y = (x - mean) * invstd * gamma + beta, the per-element work of every backend.
template <typename T>
HR_HD T bn_apply(T x, T mean, T invstd, T gamma, T beta) {
  return (x - mean) * invstd * gamma + beta;
}

// What the BN kernels apply after the affine map (see the top of this file).
template <typename T>
struct BnAct {
  const T* residual = nullptr;  // same shape as x; added before the ReLU
  bool relu = false;
};
template <typename T>
HR_HD T bn_act_apply(T v, const T* residual, int64_t i, bool relu) {
  if (residual) v = v + residual[i];
  return relu ? relu_value(v) : v;
}
// The gradient at the BN output: dy, masked by the forward output y where there was a ReLU
// (y_relu null: none).
template <typename T>
HR_HD T bn_act_grad(const T* y_relu, const T* dy, int64_t i) {
  return y_relu ? relu_grad(y_relu[i], dy[i]) : dy[i];
}

// 1 / sqrt(var + eps) in double: the eval-mode scale of every backend.
HR_HD double bn_invstd(double var, double eps) { return 1.0 / sqrt(var + eps); }

// PyTorch's running-statistics rule: (1 - momentum) * running + momentum * batch statistic.
template <typename T>
HR_HD T bn_running_update(T running, double momentum, double stat) {
  return T((1.0 - momentum) * double(running) + momentum * stat);
}

// Eval-mode BN folded into the conv before it (engine/module.h conv_bn), per output channel:
// w' = w * s, b' = (b - mean) * s + beta with s = gamma / sqrt(var + eps), all in double.
template <typename T>
HR_HD double bn_fold_scale(T gamma, T var, double eps) { return double(gamma) / sqrt(double(var) + eps); }
template <typename T>
HR_HD T bn_fold_bias(double conv_bias, T mean, T beta, double scale) {
  return T((conv_bias - double(mean)) * scale + double(beta));
}

// save_mean / save_invstd: per-channel batch mean and 1/sqrt(var_biased + eps), kept for backward.
template <typename T>
void bn_forward_train_cpu(int64_t rows, int C, const T* x, const T* gamma, const T* beta, double eps,
                          double momentum, T* y, T* running_mean, T* running_var, T* save_mean,
                          T* save_invstd, const BnAct<T>& act = {});

template <typename T>
void bn_forward_eval_cpu(int64_t rows, int C, const T* x, const T* gamma, const T* beta,
                         const T* running_mean, const T* running_var, double eps, T* y,
                         const BnAct<T>& act = {});

// y_relu: the forward output when the forward had a ReLU (null otherwise); dresidual: where
// the gradient of the residual accumulates (null: no residual, or none wanted).
template <typename T>
void bn_backward_train_cpu(int64_t rows, int C, const T* x, const T* dy, const T* gamma,
                           const T* save_mean, const T* save_invstd, T* dx, T* dgamma, T* dbeta,
                           const T* y_relu = nullptr, T* dresidual = nullptr);

// Eval mode is an affine map per channel; its backward needs no batch reductions for dx.
template <typename T>
void bn_backward_eval_cpu(int64_t rows, int C, const T* x, const T* dy, const T* gamma,
                          const T* running_mean, const T* running_var, double eps, T* dx, T* dgamma,
                          T* dbeta, const T* y_relu = nullptr, T* dresidual = nullptr);

// The forward's per-element pass alone, with given statistics: y = act(bn_apply(x, mean,
// invstd, gamma, beta)). From a training forward's saved mean and invstd it gives that
// forward's output again, bit for bit (the training forwards apply exactly this): what an op
// that recomputes a BN output in its backward instead of storing it needs
// (ops::batch_norm_relu_conv2d).
template <typename T>
void bn_apply_cpu(int64_t rows, int C, const T* x, const T* mean, const T* invstd, const T* gamma, const T* beta,
                  T* y, const BnAct<T>& act = {});

// One-pass per-channel moments of x [rows][C]: mean and biased variance in double
// (moments_block.h: shifted sums per chunk, chunks merged in order). The CUDA training
// forward uses them for its statistics; this entry point runs the same block bodies through
// the CPU grid emulator (host pointers), for tests.
void bn_moments_emu(int64_t rows, int C, const float* x, double* mean, double* var,
                    const emu::EmuOptions& opt = {});

// The CUDA entry points below run block bodies (bn_blocks.h, moments_block.h) through one
// launch sequence (bn_run.h); these run the same sequence through the CPU grid emulator, on
// host pointers with scratch in host memory, for the [emu] tests against the CPU kernels.
void bn_forward_train_emu(int64_t rows, int C, const float* x, const float* gamma, const float* beta, double eps,
                          double momentum, float* y, float* running_mean, float* running_var, float* save_mean,
                          float* save_invstd, const BnAct<float>& act = {}, const emu::EmuOptions& opt = {});
void bn_forward_eval_emu(int64_t rows, int C, const float* x, const float* gamma, const float* beta,
                         const float* running_mean, const float* running_var, double eps, float* y,
                         const BnAct<float>& act = {}, const emu::EmuOptions& opt = {});
void bn_apply_emu(int64_t rows, int C, const float* x, const float* mean, const float* invstd, const float* gamma,
                  const float* beta, float* y, const BnAct<float>& act = {}, const emu::EmuOptions& opt = {});
void bn_backward_train_emu(int64_t rows, int C, const float* x, const float* dy, const float* gamma,
                           const float* save_mean, const float* save_invstd, float* dx, float* dgamma, float* dbeta,
                           const float* y_relu = nullptr, float* dresidual = nullptr,
                           const emu::EmuOptions& opt = {});
void bn_backward_eval_emu(int64_t rows, int C, const float* x, const float* dy, const float* gamma,
                          const float* running_mean, const float* running_var, double eps, float* dx, float* dgamma,
                          float* dbeta, const float* y_relu = nullptr, float* dresidual = nullptr,
                          const emu::EmuOptions& opt = {});

// ---- CUDA (f32 device pointers; kernels/batchnorm/cuda.cu) ---------------------------------
// The same contracts and the same arithmetic: statistics and gradient sums in double through
// deterministic chunked reductions (bn_blocks.h); scratch from ws.
void bn_forward_train_cuda(int64_t rows, int C, const float* x, const float* gamma, const float* beta,
                           double eps, double momentum, float* y, float* running_mean, float* running_var,
                           float* save_mean, float* save_invstd, Workspace& ws, Stream stream,
                           const BnAct<float>& act = {});
void bn_forward_eval_cuda(int64_t rows, int C, const float* x, const float* gamma, const float* beta,
                          const float* running_mean, const float* running_var, double eps, float* y,
                          Workspace& ws, Stream stream, const BnAct<float>& act = {});
void bn_apply_cuda(int64_t rows, int C, const float* x, const float* mean, const float* invstd, const float* gamma,
                   const float* beta, float* y, Workspace& ws, Stream stream, const BnAct<float>& act = {});
void bn_backward_train_cuda(int64_t rows, int C, const float* x, const float* dy, const float* gamma,
                            const float* save_mean, const float* save_invstd, float* dx, float* dgamma,
                            float* dbeta, Workspace& ws, Stream stream, const float* y_relu = nullptr,
                            float* dresidual = nullptr);
void bn_backward_eval_cuda(int64_t rows, int C, const float* x, const float* dy, const float* gamma,
                           const float* running_mean, const float* running_var, double eps, float* dx,
                           float* dgamma, float* dbeta, Workspace& ws, Stream stream,
                           const float* y_relu = nullptr, float* dresidual = nullptr);
// Folded weights and bias (see bn_fold_scale): w [Cout][per_out], conv_bias may be null.
void bn_fold_cuda(int Cout, int64_t per_out, const float* w, const float* conv_bias, const float* gamma,
                  const float* beta, const float* mean, const float* var, double eps, float* w_folded,
                  float* b_folded, Stream stream);

}  // namespace hr::kern
