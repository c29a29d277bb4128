#include <cmath>

#include "kernels/common/thread_pool.h"
#include "kernels/optim/optim.h"

namespace hr::kern {

template <typename T>
void adam_step_cpu(int64_t n, T* p, const T* g, T* m, T* v, const AdamHyper& h) {
  const AdamStepConsts k = adam_step_consts(h);
  const T b1 = T(h.beta1), b2 = T(h.beta2), wd = T(h.weight_decay);
  const bool decay = h.weight_decay != 0.0;
  parallel_for(n, 1 << 14, [&](int64_t i0, int64_t i1, int) {
    for (int64_t i = i0; i < i1; ++i)
      adam_update(p[i], g[i], m[i], v[i], b1, b2, wd, decay, k.step_size, k.sqrt_bc2, h.eps);
  });
}

template <typename T>
void sgd_step_cpu(int64_t n, T* p, const T* g, T* buf, const SgdHyper& h) {
  const T mu = T(h.momentum), damp = T(h.dampening), wd = T(h.weight_decay), lr = T(h.lr);
  const bool decay = h.weight_decay != 0.0, momentum = h.momentum != 0.0;
  parallel_for(n, 1 << 14, [&](int64_t i0, int64_t i1, int) {
    for (int64_t i = i0; i < i1; ++i)
      sgd_update(p[i], g[i], momentum ? buf + i : nullptr, lr, mu, damp, wd, decay, momentum, h.nesterov,
                 h.first_step);
  });
}

template void adam_step_cpu<float>(int64_t, float*, const float*, float*, float*, const AdamHyper&);
template void adam_step_cpu<double>(int64_t, double*, const double*, double*, double*, const AdamHyper&);
template void sgd_step_cpu<float>(int64_t, float*, const float*, float*, const SgdHyper&);
template void sgd_step_cpu<double>(int64_t, double*, const double*, double*, const SgdHyper&);

}  // namespace hr::kern
