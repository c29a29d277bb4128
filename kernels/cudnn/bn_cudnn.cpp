// cuDNN batch norm (bn_lib.h). The Ex entry points are marked deprecated in cuDNN 9 but are
// its NHWC fused BN + add + ReLU path and still shipped; the warning is silenced here only.
#include <map>
#include <mutex>
#include <string>
#include <tuple>

#include "kernels/cudnn/bn_lib.h"
#include "kernels/cudnn/context.h"

#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

namespace hr::kern::lib {
namespace {

struct BnPlan {
  cudnnTensorDescriptor_t x = nullptr, bn = nullptr;
  cudnnActivationDescriptor_t relu = nullptr;
};

// Descriptors per (rows, C), made once and kept for the process.
BnPlan& plan_for(int64_t rows, int C) {
  static std::mutex m;
  static auto* plans = new std::map<std::pair<int64_t, int>, BnPlan>;  // leaked: no teardown after CUDA
  std::lock_guard<std::mutex> lock(m);
  BnPlan& p = (*plans)[{rows, C}];
  if (p.x) return p;
  const auto what = [&] { return "batch norm x [" + std::to_string(rows) + ", " + std::to_string(C) + "] (NHWC rows)"; };
  if (rows > 0x7fffffff) throw Error("cudnn batch norm: " + std::to_string(rows) + " rows exceed cuDNN's int extents");
  cudnn_check(cudnnCreateTensorDescriptor(&p.x), "cudnnCreateTensorDescriptor", what);
  cudnn_check(cudnnSetTensor4dDescriptor(p.x, CUDNN_TENSOR_NHWC, CUDNN_DATA_FLOAT, int(rows), C, 1, 1),
              "cudnnSetTensor4dDescriptor", what);
  cudnn_check(cudnnCreateTensorDescriptor(&p.bn), "cudnnCreateTensorDescriptor", what);
  cudnn_check(cudnnDeriveBNTensorDescriptor(p.bn, p.x, CUDNN_BATCHNORM_SPATIAL_PERSISTENT),
              "cudnnDeriveBNTensorDescriptor", what);
  cudnn_check(cudnnCreateActivationDescriptor(&p.relu), "cudnnCreateActivationDescriptor", what);
  cudnn_check(cudnnSetActivationDescriptor(p.relu, CUDNN_ACTIVATION_RELU, CUDNN_NOT_PROPAGATE_NAN, 0.0),
              "cudnnSetActivationDescriptor", what);
  return p;
}

cudnnBatchNormOps_t bn_ops(bool relu, bool residual) {
  if (residual && !relu) throw Error("cudnn batch norm: a residual add needs the ReLU (cuDNN has BN + add + ReLU only)");
  return residual ? CUDNN_BATCHNORM_OPS_BN_ADD_ACTIVATION : relu ? CUDNN_BATCHNORM_OPS_BN_ACTIVATION
                                                                 : CUDNN_BATCHNORM_OPS_BN;
}

std::string describe(int64_t rows, int C, cudnnBatchNormOps_t ops) {
  return "batch norm [" + std::to_string(rows) + ", " + std::to_string(C) + "], ops " + std::to_string(int(ops));
}

}  // namespace

void cudnn_bn_forward_train(int64_t rows, int C, const float* x, const float* gamma, const float* beta, double eps,
                            double momentum, float* y, float* running_mean, float* running_var, float* save_mean,
                            float* save_invstd, const BnAct<float>& act, Workspace& ws, Stream stream,
                            CudnnBnReserve* reserve) {
  const BnPlan& p = plan_for(rows, C);
  const cudnnBatchNormOps_t ops = bn_ops(act.relu, act.residual != nullptr);
  const auto what = [&] { return describe(rows, C, ops); };
  cudnnHandle_t h = cudnn(stream);
  const cudnnActivationDescriptor_t relu = ops == CUDNN_BATCHNORM_OPS_BN ? nullptr : p.relu;
  size_t work = 0, keep = 0;
  cudnn_check(cudnnGetBatchNormalizationForwardTrainingExWorkspaceSize(
                  h, CUDNN_BATCHNORM_SPATIAL_PERSISTENT, ops, p.x, act.residual ? p.x : nullptr, p.x, p.bn, relu, &work),
              "cudnnGetBatchNormalizationForwardTrainingExWorkspaceSize", what);
  cudnn_check(cudnnGetBatchNormalizationTrainingExReserveSpaceSize(h, CUDNN_BATCHNORM_SPATIAL_PERSISTENT, ops, relu,
                                                                   p.x, &keep),
              "cudnnGetBatchNormalizationTrainingExReserveSpaceSize", what);
  void* w = ws.get(work);
  reserve->bytes = keep;
  reserve->p = ws.get(keep);
  const float one = 1.f, zero = 0.f;
  cudnn_check(cudnnBatchNormalizationForwardTrainingEx(
                  h, CUDNN_BATCHNORM_SPATIAL_PERSISTENT, ops, &one, &zero, p.x, x, p.x, act.residual, p.x, y, p.bn,
                  gamma, beta, momentum, running_mean, running_var, eps, save_mean, save_invstd, relu, w, work,
                  reserve->p, keep),
              "cudnnBatchNormalizationForwardTrainingEx", what);
}

void cudnn_bn_backward_train(int64_t rows, int C, const float* x, const float* y, const float* dy,
                             const float* gamma, const float* beta, const float* save_mean, const float* save_invstd,
                             double eps, float* dx, float* dgamma, float* dbeta, float* dresidual, bool relu,
                             const CudnnBnReserve& reserve, Workspace& ws, Stream stream) {
  const BnPlan& p = plan_for(rows, C);
  const cudnnBatchNormOps_t ops = bn_ops(relu, dresidual != nullptr);
  const auto what = [&] { return describe(rows, C, ops); };
  cudnnHandle_t h = cudnn(stream);
  const cudnnActivationDescriptor_t act = ops == CUDNN_BATCHNORM_OPS_BN ? nullptr : p.relu;
  size_t work = 0;
  cudnn_check(cudnnGetBatchNormalizationBackwardExWorkspaceSize(h, CUDNN_BATCHNORM_SPATIAL_PERSISTENT, ops, p.x,
                                                                relu ? p.x : nullptr, p.x, dresidual ? p.x : nullptr,
                                                                p.x, p.bn, act, &work),
              "cudnnGetBatchNormalizationBackwardExWorkspaceSize", what);
  void* w = ws.get(work);
  const float one = 1.f;
  cudnn_check(cudnnBatchNormalizationBackwardEx(h, CUDNN_BATCHNORM_SPATIAL_PERSISTENT, ops, &one, &one, &one, &one,
                                                p.x, x, relu ? p.x : nullptr, relu ? y : nullptr, p.x, dy,
                                                dresidual ? p.x : nullptr, dresidual, p.x, dx, p.bn, gamma, beta,
                                                dgamma, dbeta, eps, save_mean, save_invstd, act, w, work, reserve.p,
                                                reserve.bytes),
              "cudnnBatchNormalizationBackwardEx", what);
}

}  // namespace hr::kern::lib
