// The official JointsMSELoss: L = 0.5 * mean over (B, J, H, W) of (w_bj * (pred - gt))^2,
// where w is the per-sample, per-joint target weight (1 when use_target_weight is false).
// Heatmaps are NHWC: [B][H][W][J]; weights [B][J].
#pragma once
#include <cstdint>

#include "kernels/common/hd.h"

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

}  // namespace hr::kern
