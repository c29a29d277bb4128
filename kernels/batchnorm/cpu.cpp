#include <bit>
#include <cmath>
#include <cstdint>
#include <type_traits>
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

// Calls f(std::bool_constant<a>{}, std::bool_constant<b>{}): the fused ReLU / residual flags
// become compile-time constants, so the per-element loops carry no run-time branches and
// vectorize (with the checks inside, the backward sums ran 3-4x slower).
template <typename F>
void with_flags(bool a, bool b, F&& f) {
  if (a) {
    if (b) f(std::true_type{}, std::true_type{});
    else f(std::true_type{}, std::false_type{});
  } else {
    if (b) f(std::false_type{}, std::true_type{});
    else f(std::false_type{}, std::false_type{});
  }
}

template <typename F>
void with_flags(bool a, bool b, bool c, F&& f) {
  with_flags(a, b, [&](auto fa, auto fb) {
    if (c) f(fa, fb, std::true_type{});
    else f(fa, fb, std::false_type{});
  });
}

// The masked gradient g at element i (bn_act_grad with the mask known at compile time).
// relu_grad (dy where y > 0, else +0) as a bit mask instead of a select: GCC did not
// if-convert the select in these loops ("control flow in loop") and left them scalar, which
// made the fused backward slower than the unfused one; the AND vectorizes, and the bits are
// relu_grad's (all of dy's bits, or all zero = +0).
template <bool kMask, typename T>
inline T masked_grad(const T* y_relu, const T* dy, int64_t i) {
  if constexpr (kMask) {
    using Bits = std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>;
    const Bits keep = Bits(0) - Bits(y_relu[i] > T(0));
    return std::bit_cast<T>(std::bit_cast<Bits>(dy[i]) & keep);
  }
  return dy[i];
}

// The fused tail of the forward (bn_act_apply with compile-time flags).
template <bool kRes, bool kRelu, typename T>
inline T act_tail(T v, const T* residual, int64_t i) {
  if constexpr (kRes) v = v + residual[i];
  if constexpr (kRelu) v = relu_value(v);
  return v;
}

// The forward's per-element pass, training and eval alike: y = act(bn_apply(x)) with the
// statistics the mode uses.
template <typename T>
void apply_pass(int64_t rows, int C, const T* x, const T* mean, const T* invstd, const T* gamma, const T* beta,
                const BnAct<T>& act, T* y) {
  with_flags(act.residual != nullptr, act.relu, [&](auto res, auto relu) {
    parallel_for(rows, kRowGrain, [&](int64_t b, int64_t e, int) {
      for (int64_t r = b; r < e; ++r)
        for (int c = 0; c < C; ++c)
          y[r * C + c] = act_tail<res(), relu()>(bn_apply(x[r * C + c], mean[c], invstd[c], gamma[c], beta[c]),
                                                 act.residual, r * C + c);
    });
  });
}

}  // namespace

template <typename T>
void bn_apply_cpu(int64_t rows, int C, const T* x, const T* mean, const T* invstd, const T* gamma, const T* beta,
                  T* y, const BnAct<T>& act) {
  apply_pass(rows, C, x, mean, invstd, gamma, beta, act, y);
}

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
  apply_pass(rows, C, x, save_mean, save_invstd, gamma, beta, act, y);
}

template <typename T>
void bn_forward_eval_cpu(int64_t rows, int C, const T* x, const T* gamma, const T* beta,
                         const T* running_mean, const T* running_var, double eps, T* y, const BnAct<T>& act) {
  std::vector<T> invstd(C);
  for (int c = 0; c < C; ++c) invstd[c] = T(bn_invstd(double(running_var[c]), eps));
  apply_pass(rows, C, x, running_mean, invstd.data(), gamma, beta, act, y);
}

template <typename T>
void bn_backward_train_cpu(int64_t rows, int C, const T* x, const T* dy, const T* gamma,
                           const T* save_mean, const T* save_invstd, T* dx, T* dgamma, T* dbeta,
                           const T* y_relu, T* dresidual) {
  // sums[0..C) = sum(g), sums[C..2C) = sum(g * xhat), g = dy masked by the fused ReLU. Not
  // needed when only the residual wants a gradient.
  std::vector<double> sums(size_t(2) * C, 0.0);
  if (dx || dgamma || dbeta) with_flags(y_relu != nullptr, false, [&](auto mask, auto) {
    channel_sums(rows, C, 2, sums, [&](int64_t r, double* acc) {
      for (int c = 0; c < C; ++c) {
        const double g = double(masked_grad<mask()>(y_relu, dy, r * C + c));
        const double xhat = (double(x[r * C + c]) - double(save_mean[c])) * double(save_invstd[c]);
        acc[c] += g;
        acc[C + c] += g * xhat;
      }
    });
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
  with_flags(y_relu != nullptr, dresidual != nullptr, dx != nullptr, [&](auto mask, auto res, auto want_dx) {
    parallel_for(rows, kRowGrain, [&](int64_t b, int64_t e, int) {
      for (int64_t r = b; r < e; ++r)
        for (int c = 0; c < C; ++c) {
          const T g = masked_grad<mask()>(y_relu, dy, r * C + c);
          if constexpr (res()) dresidual[r * C + c] += g;
          if constexpr (want_dx()) {
            const double xhat = (double(x[r * C + c]) - double(save_mean[c])) * double(save_invstd[c]);
            dx[r * C + c] += T(k[c] * (double(g) - mean_dy[c] - xhat * mean_dyx[c]));
          }
        }
    });
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
    with_flags(y_relu != nullptr, false, [&](auto mask, auto) {
      channel_sums(rows, C, 2, sums, [&](int64_t r, double* acc) {
        for (int c = 0; c < C; ++c) {
          const double g = double(masked_grad<mask()>(y_relu, dy, r * C + c));
          acc[c] += g;
          acc[C + c] += g * (double(x[r * C + c]) - double(running_mean[c])) * invstd[c];
        }
      });
    });
    for (int c = 0; c < C; ++c) {
      if (dbeta) dbeta[c] += T(sums[c]);
      if (dgamma) dgamma[c] += T(sums[C + c]);
    }
  }
  if (!dx && !dresidual) return;
  with_flags(y_relu != nullptr, dresidual != nullptr, dx != nullptr, [&](auto mask, auto res, auto want_dx) {
    parallel_for(rows, kRowGrain, [&](int64_t b, int64_t e, int) {
      for (int64_t r = b; r < e; ++r)
        for (int c = 0; c < C; ++c) {
          const T g = masked_grad<mask()>(y_relu, dy, r * C + c);
          if constexpr (res()) dresidual[r * C + c] += g;
          if constexpr (want_dx()) dx[r * C + c] += T(double(g) * double(gamma[c]) * invstd[c]);
        }
    });
  });
}

#define HR_INSTANTIATE(T)                                                                          \
  template void bn_apply_cpu<T>(int64_t, int, const T*, const T*, const T*, const T*, const T*, T*,   \
                                const BnAct<T>&);                                                  \
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
