#include <cmath>
#include <vector>

#include "kernels/batchnorm/batchnorm.h"
#include "kernels/common/thread_pool.h"

namespace hr::kern {
namespace {

constexpr int64_t kRowGrain = 256;

// Per-channel sums over rows of f(row_ptr, c), accumulated in double per chunk and combined
// in chunk order, so the result depends only on the thread count, not on timing.
template <typename F>
void channel_sums(int64_t rows, int C, int nsums, std::vector<double>& out, F&& f) {
  const int chunks = parallel_chunks(rows, kRowGrain);
  std::vector<double> partial(size_t(chunks) * nsums * C, 0.0);
  parallel_for(rows, kRowGrain, [&](int64_t b, int64_t e, int chunk) {
    double* acc = partial.data() + size_t(chunk) * nsums * C;
    for (int64_t r = b; r < e; ++r) f(r, acc);
  });
  out.assign(size_t(nsums) * C, 0.0);
  for (int k = 0; k < chunks; ++k)
    for (size_t i = 0; i < out.size(); ++i) out[i] += partial[size_t(k) * nsums * C + i];
}

}  // namespace

template <typename T>
void bn_forward_train_cpu(int64_t rows, int C, const T* x, const T* gamma, const T* beta, double eps,
                          double momentum, T* y, T* running_mean, T* running_var, T* save_mean,
                          T* save_invstd, const BnAct<T>& act) {
  // Pass 1: mean. Pass 2: variance around the mean (stable for large |mean| / small var).
  std::vector<double> sum, sq;
  channel_sums(rows, C, 1, sum, [&](int64_t r, double* acc) {
    const T* xr = x + r * C;
    for (int c = 0; c < C; ++c) acc[c] += double(xr[c]);
  });
  std::vector<double> mean(C);
  for (int c = 0; c < C; ++c) mean[c] = sum[c] / double(rows);
  channel_sums(rows, C, 1, sq, [&](int64_t r, double* acc) {
    const T* xr = x + r * C;
    for (int c = 0; c < C; ++c) {
      const double d = double(xr[c]) - mean[c];
      acc[c] += d * d;
    }
  });
  const double unbias = rows > 1 ? double(rows) / double(rows - 1) : 1.0;
  for (int c = 0; c < C; ++c) {
    const double var = sq[c] / double(rows);
    save_mean[c] = T(mean[c]);
    save_invstd[c] = T(bn_invstd(var, eps));
    if (running_mean) running_mean[c] = bn_running_update(running_mean[c], momentum, mean[c]);
    if (running_var) running_var[c] = bn_running_update(running_var[c], momentum, var * unbias);
  }
  parallel_for(rows, kRowGrain, [&](int64_t b, int64_t e, int) {
    for (int64_t r = b; r < e; ++r)
      for (int c = 0; c < C; ++c)
        y[r * C + c] = bn_act_apply(bn_apply(x[r * C + c], save_mean[c], save_invstd[c], gamma[c], beta[c]),
                                    act.residual, r * C + c, act.relu);
  });
}

template <typename T>
void bn_forward_eval_cpu(int64_t rows, int C, const T* x, const T* gamma, const T* beta,
                         const T* running_mean, const T* running_var, double eps, T* y, const BnAct<T>& act) {
  std::vector<T> invstd(C);
  for (int c = 0; c < C; ++c) invstd[c] = T(bn_invstd(double(running_var[c]), eps));
  parallel_for(rows, kRowGrain, [&](int64_t b, int64_t e, int) {
    for (int64_t r = b; r < e; ++r)
      for (int c = 0; c < C; ++c)
        y[r * C + c] = bn_act_apply(bn_apply(x[r * C + c], running_mean[c], invstd[c], gamma[c], beta[c]),
                                    act.residual, r * C + c, act.relu);
  });
}

template <typename T>
void bn_backward_train_cpu(int64_t rows, int C, const T* x, const T* dy, const T* gamma,
                           const T* save_mean, const T* save_invstd, T* dx, T* dgamma, T* dbeta,
                           const T* y_relu, T* dresidual) {
  // sums[0..C) = sum(g), sums[C..2C) = sum(g * xhat), g = dy masked by the fused ReLU
  std::vector<double> sums;
  channel_sums(rows, C, 2, sums, [&](int64_t r, double* acc) {
    for (int c = 0; c < C; ++c) {
      const double g = double(bn_act_grad(y_relu, dy, r * C + c));
      const double xhat = (double(x[r * C + c]) - double(save_mean[c])) * double(save_invstd[c]);
      acc[c] += g;
      acc[C + c] += g * xhat;
    }
  });
  for (int c = 0; c < C; ++c) {
    if (dbeta) dbeta[c] += T(sums[c]);
    if (dgamma) dgamma[c] += T(sums[C + c]);
  }
  if (!dx && !dresidual) return;
  // dx = gamma * invstd / M * (M*g - sum(g) - xhat * sum(g*xhat))
  std::vector<double> k(C), mean_dy(C), mean_dyx(C);
  for (int c = 0; c < C; ++c) {
    k[c] = double(gamma[c]) * double(save_invstd[c]);
    mean_dy[c] = sums[c] / double(rows);
    mean_dyx[c] = sums[C + c] / double(rows);
  }
  parallel_for(rows, kRowGrain, [&](int64_t b, int64_t e, int) {
    for (int64_t r = b; r < e; ++r)
      for (int c = 0; c < C; ++c) {
        const T g = bn_act_grad(y_relu, dy, r * C + c);
        if (dresidual) dresidual[r * C + c] += g;
        if (!dx) continue;
        const double xhat = (double(x[r * C + c]) - double(save_mean[c])) * double(save_invstd[c]);
        dx[r * C + c] += T(k[c] * (double(g) - mean_dy[c] - xhat * mean_dyx[c]));
      }
  });
}

template <typename T>
void bn_backward_eval_cpu(int64_t rows, int C, const T* x, const T* dy, const T* gamma,
                          const T* running_mean, const T* running_var, double eps, T* dx, T* dgamma,
                          T* dbeta, const T* y_relu, T* dresidual) {
  std::vector<double> invstd(C);
  for (int c = 0; c < C; ++c) invstd[c] = bn_invstd(double(running_var[c]), eps);
  if (dgamma || dbeta) {
    std::vector<double> sums;
    channel_sums(rows, C, 2, sums, [&](int64_t r, double* acc) {
      for (int c = 0; c < C; ++c) {
        const double g = double(bn_act_grad(y_relu, dy, r * C + c));
        acc[c] += g;
        acc[C + c] += g * (double(x[r * C + c]) - double(running_mean[c])) * invstd[c];
      }
    });
    for (int c = 0; c < C; ++c) {
      if (dbeta) dbeta[c] += T(sums[c]);
      if (dgamma) dgamma[c] += T(sums[C + c]);
    }
  }
  if (!dx && !dresidual) return;
  parallel_for(rows, kRowGrain, [&](int64_t b, int64_t e, int) {
    for (int64_t r = b; r < e; ++r)
      for (int c = 0; c < C; ++c) {
        const T g = bn_act_grad(y_relu, dy, r * C + c);
        if (dresidual) dresidual[r * C + c] += g;
        if (dx) dx[r * C + c] += T(double(g) * double(gamma[c]) * invstd[c]);
      }
  });
}

#define HR_INSTANTIATE(T)                                                                          \
  template void bn_forward_train_cpu<T>(int64_t, int, const T*, const T*, const T*, double, double, \
                                        T*, T*, T*, T*, T*, const BnAct<T>&);                      \
  template void bn_forward_eval_cpu<T>(int64_t, int, const T*, const T*, const T*, const T*,       \
                                       const T*, double, T*, const BnAct<T>&);                     \
  template void bn_backward_train_cpu<T>(int64_t, int, const T*, const T*, const T*, const T*,     \
                                         const T*, T*, T*, T*, const T*, T*);                      \
  template void bn_backward_eval_cpu<T>(int64_t, int, const T*, const T*, const T*, const T*,      \
                                        const T*, double, T*, T*, T*, const T*, T*);
HR_INSTANTIATE(float)
HR_INSTANTIATE(double)
#undef HR_INSTANTIATE

}  // namespace hr::kern
