// Optimizer updates over flat parameter arrays, with PyTorch's exact semantics.
#pragma once
#include <cmath>
#include <cstdint>
#include <vector>

#include "kernels/common/hd.h"
#include "kernels/common/stream.h"
#include "kernels/common/workspace.h"

namespace hr::kern {

struct AdamHyper {
  double lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0.0;
  int64_t step = 1;  // 1-based step count after increment, for bias correction
};

// torch.optim.Adam (amsgrad off, L2 weight decay added to the gradient):
//   g += wd * p; m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g^2;
//   p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
template <typename T>
void adam_step_cpu(int64_t n, T* p, const T* g, T* m, T* v, const AdamHyper& h);

// The per-tensor constants of one Adam step: lr / (1 - b1^t) and sqrt(1 - b2^t).
struct AdamStepConsts {
  double step_size = 0.0, sqrt_bc2 = 1.0;
};
inline AdamStepConsts adam_step_consts(const AdamHyper& h) {
  return {h.lr / (1.0 - std::pow(h.beta1, double(h.step))), std::sqrt(1.0 - std::pow(h.beta2, double(h.step)))};
}

// One element of an Adam step, the arithmetic of every backend.
template <typename T>
HR_HD void adam_update(T& p, T g, T& m, T& v, T b1, T b2, T wd, bool decay, double step_size, double sqrt_bc2,
                       double eps) {
  if (decay) g += wd * p;
  m = b1 * m + (T(1) - b1) * g;
  v = b2 * v + (T(1) - b2) * g * g;
  const T denom = T(sqrt(double(v)) / sqrt_bc2 + eps);
  p -= T(step_size) * m / denom;
}

struct SgdHyper {
  double lr = 0.01, momentum = 0.0, dampening = 0.0, weight_decay = 0.0;
  bool nesterov = false;
  bool first_step = true;  // momentum buffer starts as the gradient itself
};

// torch.optim.SGD: g += wd*p; buf = first ? g : mu*buf + (1-dampening)*g;
//   g = nesterov ? g + mu*buf : buf; p -= lr*g. buf may be null when momentum == 0.
template <typename T>
void sgd_step_cpu(int64_t n, T* p, const T* g, T* buf, const SgdHyper& h);

// One element of an SGD step (buf unused when momentum is 0).
template <typename T>
HR_HD void sgd_update(T& p, T g, T* buf, T lr, T mu, T damp, T wd, bool decay, bool momentum, bool nesterov,
                      bool first_step) {
  if (decay) g += wd * p;
  if (momentum) {
    *buf = first_step ? g : mu * *buf + (T(1) - damp) * g;
    g = nesterov ? g + mu * *buf : *buf;
  }
  p -= lr * g;
}

// ---- CUDA: fused multi-tensor steps (kernels/optim/cuda.cu) ------------------------------
// One launch updates every tensor of the list: a table of tensors and of fixed-size chunks
// of them goes to the device, and each block updates one chunk. f32 device pointers.
struct AdamTensorArgs {
  float* p;
  const float* g;
  float* m;
  float* v;
  int64_t n;
  double step_size, sqrt_bc2;  // adam_step_consts of this tensor's step count
};
void adam_multi_tensor_cuda(const std::vector<AdamTensorArgs>& tensors, const AdamHyper& h, Workspace& ws,
                            Stream stream);

struct SgdTensorArgs {
  float* p;
  const float* g;
  float* buf;  // null when momentum is 0
  int64_t n;
  bool first_step;
};
void sgd_multi_tensor_cuda(const std::vector<SgdTensorArgs>& tensors, const SgdHyper& h, Workspace& ws,
                           Stream stream);

}  // namespace hr::kern
