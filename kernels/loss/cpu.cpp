#include <vector>

#include "kernels/common/thread_pool.h"
#include "kernels/loss/loss.h"

namespace hr::kern {

template <typename T>
double joints_mse_forward_cpu(int B, int64_t HW, int J, const T* pred, const T* target,
                              const T* weight, bool use_target_weight) {
  // Per-sample partial sums in double, combined in sample order: deterministic.
  std::vector<double> partial(B, 0.0);
  parallel_for(B, 1, [&](int64_t b0, int64_t b1, int) {
    for (int64_t b = b0; b < b1; ++b) {
      double s = 0.0;
      const T* p = pred + b * HW * J;
      const T* t = target + b * HW * J;
      for (int64_t i = 0; i < HW; ++i)
        for (int j = 0; j < J; ++j) {
          const T w = use_target_weight ? weight[b * J + j] : T(1);
          s += double(joints_mse_term(p[i * J + j], t[i * J + j], w));
        }
      partial[b] = s;
    }
  });
  double total = 0.0;
  for (double s : partial) total += s;
  return 0.5 * total / (double(B) * double(J) * double(HW));
}

template <typename T>
void joints_mse_backward_cpu(int B, int64_t HW, int J, const T* pred, const T* target,
                             const T* weight, bool use_target_weight, double dL, T* dpred) {
  const double scale = dL / (double(B) * double(J) * double(HW));
  parallel_for(B, 1, [&](int64_t b0, int64_t b1, int) {
    for (int64_t b = b0; b < b1; ++b) {
      const T* p = pred + b * HW * J;
      const T* t = target + b * HW * J;
      T* g = dpred + b * HW * J;
      for (int64_t i = 0; i < HW; ++i)
        for (int j = 0; j < J; ++j) {
          const T w = use_target_weight ? weight[b * J + j] : T(1);
          g[i * J + j] += T(scale * double(w * w) * double(p[i * J + j] - t[i * J + j]));
        }
    }
  });
}

template double joints_mse_forward_cpu<float>(int, int64_t, int, const float*, const float*,
                                              const float*, bool);
template double joints_mse_forward_cpu<double>(int, int64_t, int, const double*, const double*,
                                               const double*, bool);
template void joints_mse_backward_cpu<float>(int, int64_t, int, const float*, const float*,
                                             const float*, bool, double, float*);
template void joints_mse_backward_cpu<double>(int, int64_t, int, const double*, const double*,
                                              const double*, bool, double, double*);

}  // namespace hr::kern
