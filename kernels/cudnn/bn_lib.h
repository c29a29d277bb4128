// cuDNN's batch norm as the measured baseline of ours (kernels/batchnorm/cuda.cu), with the
// same fusions: cudnnBatchNormalizationForwardTrainingEx / BackwardEx in NHWC with
// CUDNN_BATCHNORM_SPATIAL_PERSISTENT and the ops BN, BN + ReLU, BN + add + ReLU. x is
// [rows][C] (described to cuDNN as N = rows, H = W = 1: spatial BN normalises over N*H*W
// either way). Training mode only: eval BN is folded into the convolutions.
//
// Not the engine's BN: cuDNN accumulates its statistics in float and keeps a reserve buffer
// from the forward to the backward, where ours sums in double (CPU parity) and needs none.
// hrnet-bench kernels times the two side by side; the [cuda] tests compare them.
#pragma once
#include <cstddef>
#include <cstdint>

#include "kernels/batchnorm/batchnorm.h"
#include "kernels/common/stream.h"
#include "kernels/common/workspace.h"

namespace hr::kern::lib {

// What the forward leaves for the backward (device memory from the forward's workspace).
struct CudnnBnReserve {
  void* p = nullptr;
  size_t bytes = 0;
};

// y = relu?(bn(x) + residual?) with batch statistics; the running statistics move by
// `momentum` (PyTorch's rule); save_mean / save_invstd as ours. A ReLU without a residual
// and a residual with a ReLU are supported (cuDNN has no add without activation).
void cudnn_bn_forward_train(int64_t rows, int C, const float* x, const float* gamma, const float* beta, double eps,
                            double momentum, float* y, float* running_mean, float* running_var, float* save_mean,
                            float* save_invstd, const BnAct<float>& act, Workspace& ws, Stream stream,
                            CudnnBnReserve* reserve);

// The backward of that forward: dx, dgamma, dbeta ACCUMULATE (blend factors 1, our contract);
// the residual's gradient is WRITTEN to dresidual (cuDNN blends nothing there). y is the
// forward's output, needed with a ReLU.
void cudnn_bn_backward_train(int64_t rows, int C, const float* x, const float* y, const float* dy,
                             const float* gamma, const float* beta, const float* save_mean, const float* save_invstd,
                             double eps, float* dx, float* dgamma, float* dbeta, float* dresidual, bool relu,
                             const CudnnBnReserve& reserve, Workspace& ws, Stream stream);

}  // namespace hr::kern::lib
