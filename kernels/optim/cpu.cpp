#include <cmath>

#include "kernels/common/thread_pool.h"
#include "kernels/optim/optim.h"

namespace hr::kern {

template <typename T>
void adam_step_cpu(int64_t n, T* p, const T* g, T* m, T* v, const AdamHyper& h) {
  const double bc1 = 1.0 - std::pow(h.beta1, double(h.step));
  const double bc2 = 1.0 - std::pow(h.beta2, double(h.step));
  const double step_size = h.lr / bc1;
  const double sqrt_bc2 = std::sqrt(bc2);
  const T b1 = T(h.beta1), b2 = T(h.beta2), wd = T(h.weight_decay);
  parallel_for(n, 1 << 14, [&](int64_t i0, int64_t i1, int) {
    for (int64_t i = i0; i < i1; ++i) {
      T grad = g[i];
      if (h.weight_decay != 0.0) grad += wd * p[i];
      m[i] = b1 * m[i] + (T(1) - b1) * grad;
      v[i] = b2 * v[i] + (T(1) - b2) * grad * grad;
      const T denom = T(std::sqrt(double(v[i])) / sqrt_bc2 + h.eps);
      p[i] -= T(step_size) * m[i] / denom;
    }
  });
}

template <typename T>
void sgd_step_cpu(int64_t n, T* p, const T* g, T* buf, const SgdHyper& h) {
  const T mu = T(h.momentum), damp = T(h.dampening), wd = T(h.weight_decay), lr = T(h.lr);
  parallel_for(n, 1 << 14, [&](int64_t i0, int64_t i1, int) {
    for (int64_t i = i0; i < i1; ++i) {
      T grad = g[i];
      if (h.weight_decay != 0.0) grad += wd * p[i];
      if (h.momentum != 0.0) {
        buf[i] = h.first_step ? grad : mu * buf[i] + (T(1) - damp) * grad;
        grad = h.nesterov ? grad + mu * buf[i] : buf[i];
      }
      p[i] -= lr * grad;
    }
  });
}

template void adam_step_cpu<float>(int64_t, float*, const float*, float*, float*, const AdamHyper&);
template void adam_step_cpu<double>(int64_t, double*, const double*, double*, double*, const AdamHyper&);
template void sgd_step_cpu<float>(int64_t, float*, const float*, float*, const SgdHyper&);
template void sgd_step_cpu<double>(int64_t, double*, const double*, double*, const SgdHyper&);

}  // namespace hr::kern
