// Batch normalisation over NHWC rows: x is [rows][C] with rows = N*H*W.
// Training: batch statistics (two-pass, accumulated in double), running statistics updated
// with PyTorch's rule: running = (1-momentum)*running + momentum*stat, with the UNBIASED
// batch variance (rows/(rows-1)) for running_var. Eval: running statistics.
// Backward kernels accumulate into dx / dgamma / dbeta; any of them may be null.
#pragma once
#include <cstdint>

#include "kernels/common/hd.h"

namespace hr::kern {

// y = (x - mean) * invstd * gamma + beta, the per-element work of every backend.
template <typename T>
HR_HD T bn_apply(T x, T mean, T invstd, T gamma, T beta) {
  return (x - mean) * invstd * gamma + beta;
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

}  // namespace hr::kern
