#include "kernels/common/thread_pool.h"
#include "kernels/elementwise/elementwise.h"

namespace hr::kern {
namespace {
constexpr int64_t kGrain = 1 << 15;  // below ~32k elements threads cost more than they save

template <typename F>
void for_each_index(int64_t n, F&& f) {
  parallel_for(n, kGrain, [&](int64_t b, int64_t e, int) {
    for (int64_t i = b; i < e; ++i) f(i);
  });
}
}  // namespace

template <typename T>
void relu_forward_cpu(int64_t n, const T* x, T* y) {
  for_each_index(n, [&](int64_t i) { y[i] = relu_value(x[i]); });
}

template <typename T>
void relu_backward_cpu(int64_t n, const T* y, const T* dy, T* dx) {
  for_each_index(n, [&](int64_t i) { dx[i] += relu_grad(y[i], dy[i]); });
}

template <typename T>
void add_forward_cpu(int64_t n, const T* a, const T* b, T* y) {
  for_each_index(n, [&](int64_t i) { y[i] = a[i] + b[i]; });
}

template <typename T>
void add_relu_forward_cpu(int64_t n, const T* a, const T* b, T* y) {
  for_each_index(n, [&](int64_t i) { y[i] = relu_value(a[i] + b[i]); });
}

template <typename T>
void add_relu_backward_cpu(int64_t n, const T* y, const T* dy, T* da, T* db) {
  for_each_index(n, [&](int64_t i) {
    const T g = relu_grad(y[i], dy[i]);
    if (da) da[i] += g;
    if (db) db[i] += g;
  });
}

template <typename T>
void accumulate_cpu(int64_t n, const T* src, T* dst) {
  for_each_index(n, [&](int64_t i) { dst[i] += src[i]; });
}

#define HR_INSTANTIATE(T)                                                        \
  template void relu_forward_cpu<T>(int64_t, const T*, T*);                      \
  template void relu_backward_cpu<T>(int64_t, const T*, const T*, T*);           \
  template void add_forward_cpu<T>(int64_t, const T*, const T*, T*);             \
  template void add_relu_forward_cpu<T>(int64_t, const T*, const T*, T*);        \
  template void add_relu_backward_cpu<T>(int64_t, const T*, const T*, T*, T*);   \
  template void accumulate_cpu<T>(int64_t, const T*, T*);
HR_INSTANTIATE(float)
HR_INSTANTIATE(double)
#undef HR_INSTANTIATE

}  // namespace hr::kern
