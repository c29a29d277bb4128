// The official JointsMSELoss: L = 0.5 * mean over (B, J, H, W) of (w_bj * (pred - gt))^2,
// where w is the per-sample, per-joint target weight (1 when use_target_weight is false).
// Heatmaps are NHWC: [B][H][W][J]; weights [B][J].
#pragma once
#include <cstdint>

#include "kernels/common/hd.h"
#include "kernels/common/stream.h"
#include "kernels/common/workspace.h"

namespace hr::kern {

template <typename T>
HR_HD T joints_mse_term(T pred, T gt, T w) {
  const T d = w * (pred - gt);
  return d * d;
}

// Returns L (accumulated in double).
template <typename T>
double joints_mse_forward_cpu(int B, int64_t HW, int J, const T* pred, const T* target,
                              const T* weight, bool use_target_weight);

// dpred += dL * dL/dpred = dL * w^2 * (pred - gt) / (B*J*H*W).
template <typename T>
void joints_mse_backward_cpu(int B, int64_t HW, int J, const T* pred, const T* target,
                             const T* weight, bool use_target_weight, double dL, T* dpred);

// CUDA (f32 device pointers). Forward writes L to *loss (one float on the device), summed in
// double by fixed blocks combined in block order (deterministic). Backward reads the seed
// dL from the device (*dL), so no host round trip is needed.
void joints_mse_forward_cuda(int B, int64_t HW, int J, const float* pred, const float* target, const float* weight,
                             bool use_target_weight, float* loss, Workspace& ws, Stream stream);
void joints_mse_backward_cuda(int B, int64_t HW, int J, const float* pred, const float* target,
                              const float* weight, bool use_target_weight, const float* dL, float* dpred,
                              Stream stream);

}  // namespace hr::kern
