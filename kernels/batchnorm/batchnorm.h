// Batch normalisation over NHWC rows: x is [rows][C] with rows = N*H*W.
// Training: batch statistics (two-pass, accumulated in double), running statistics updated
// with PyTorch's rule: running = (1-momentum)*running + momentum*stat, with the UNBIASED
// batch variance (rows/(rows-1)) for running_var. Eval: running statistics.
// Backward kernels accumulate into dx / dgamma / dbeta; any of them may be null.
#pragma once
#include <cmath>
#include <cstdint>

#include "kernels/common/hd.h"
#include "kernels/common/stream.h"
#include "kernels/common/workspace.h"

namespace hr::kern {

// y = (x - mean) * invstd * gamma + beta, the per-element work of every backend.
template <typename T>
HR_HD T bn_apply(T x, T mean, T invstd, T gamma, T beta) {
  return (x - mean) * invstd * gamma + beta;
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
                          T* save_invstd);

template <typename T>
void bn_forward_eval_cpu(int64_t rows, int C, const T* x, const T* gamma, const T* beta,
                         const T* running_mean, const T* running_var, double eps, T* y);

template <typename T>
void bn_backward_train_cpu(int64_t rows, int C, const T* x, const T* dy, const T* gamma,
                           const T* save_mean, const T* save_invstd, T* dx, T* dgamma, T* dbeta);

// Eval mode is an affine map per channel; its backward needs no batch reductions for dx.
template <typename T>
void bn_backward_eval_cpu(int64_t rows, int C, const T* x, const T* dy, const T* gamma,
                          const T* running_mean, const T* running_var, double eps, T* dx, T* dgamma,
                          T* dbeta);

// ---- CUDA (f32 device pointers; kernels/batchnorm/cuda.cu) ---------------------------------
// The same contracts and the same arithmetic: statistics and gradient sums in double through
// deterministic chunked reductions (kernels/common/channel_reduce.cuh); scratch from ws.
void bn_forward_train_cuda(int64_t rows, int C, const float* x, const float* gamma, const float* beta,
                           double eps, double momentum, float* y, float* running_mean, float* running_var,
                           float* save_mean, float* save_invstd, Workspace& ws, Stream stream);
void bn_forward_eval_cuda(int64_t rows, int C, const float* x, const float* gamma, const float* beta,
                          const float* running_mean, const float* running_var, double eps, float* y,
                          Workspace& ws, Stream stream);
void bn_backward_train_cuda(int64_t rows, int C, const float* x, const float* dy, const float* gamma,
                            const float* save_mean, const float* save_invstd, float* dx, float* dgamma,
                            float* dbeta, Workspace& ws, Stream stream);
void bn_backward_eval_cuda(int64_t rows, int C, const float* x, const float* dy, const float* gamma,
                           const float* running_mean, const float* running_var, double eps, float* dx,
                           float* dgamma, float* dbeta, Workspace& ws, Stream stream);
// Folded weights and bias (see bn_fold_scale): w [Cout][per_out], conv_bias may be null.
void bn_fold_cuda(int Cout, int64_t per_out, const float* w, const float* conv_bias, const float* gamma,
                  const float* beta, const float* mean, const float* var, double eps, float* w_folded,
                  float* b_folded, Stream stream);

}  // namespace hr::kern
