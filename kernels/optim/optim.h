// Optimizer updates over flat parameter arrays, with PyTorch's exact semantics.
#pragma once
#include <cstdint>

#include "kernels/common/hd.h"

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

struct SgdHyper {
  double lr = 0.01, momentum = 0.0, dampening = 0.0, weight_decay = 0.0;
  bool nesterov = false;
  bool first_step = true;  // momentum buffer starts as the gradient itself
};

// torch.optim.SGD: g += wd*p; buf = first ? g : mu*buf + (1-dampening)*g;
//   g = nesterov ? g + mu*buf : buf; p -= lr*g. buf may be null when momentum == 0.
template <typename T>
void sgd_step_cpu(int64_t n, T* p, const T* g, T* buf, const SgdHyper& h);

}  // namespace hr::kern
