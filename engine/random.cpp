#include "engine/random.h"

#include <cmath>

namespace hr {
namespace {
uint64_t splitmix64(uint64_t& x) {
  uint64_t z = (x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
}  // namespace

void Rng::seed_with(uint64_t seed) {
  uint64_t x = seed;
  for (auto& s : s_) s = splitmix64(x);
  has_spare_ = false;
  spare_ = 0.0;
}

uint64_t Rng::next_u64() {
  const uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

double Rng::uniform() { return double(next_u64() >> 11) * 0x1.0p-53; }
double Rng::uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }

double Rng::normal() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_;
  }
  double u, v, s;
  do {
    u = 2.0 * uniform() - 1.0;
    v = 2.0 * uniform() - 1.0;
    s = u * u + v * v;
  } while (s >= 1.0 || s == 0.0);
  const double f = std::sqrt(-2.0 * std::log(s) / s);
  spare_ = v * f;
  has_spare_ = true;
  return u * f;
}

int64_t Rng::randint(int64_t n) {
  HR_CHECK(n > 0, "randint: bound must be positive, got {}", n);
  // Rejection sampling: unbiased for any n.
  const uint64_t un = uint64_t(n);
  const uint64_t limit = UINT64_MAX - UINT64_MAX % un;
  uint64_t r;
  do r = next_u64(); while (r >= limit);
  return int64_t(r % un);
}

void Rng::set_state(const State& st) {
  for (int i = 0; i < 4; ++i) s_[i] = st.s[i];
  has_spare_ = st.has_spare;
  spare_ = st.spare;
}

namespace {
template <typename Draw>
Tensor fill_random(const Shape& shape, DType dtype, Draw&& draw) {
  HR_CHECK(dtype == DType::f32 || dtype == DType::f64, "random tensors are f32 or f64");
  Tensor t = Tensor::empty(shape, dtype, Device::CPU);
  const int64_t n = t.numel();
  if (dtype == DType::f32) {
    float* p = t.data<float>();
    for (int64_t i = 0; i < n; ++i) p[i] = float(draw());
  } else {
    double* p = t.data<double>();
    for (int64_t i = 0; i < n; ++i) p[i] = draw();
  }
  return t;
}
}  // namespace

Tensor randn(const Shape& shape, Rng& rng, double stddev, DType dtype) {
  return fill_random(shape, dtype, [&] { return stddev * rng.normal(); });
}

Tensor rand_uniform(const Shape& shape, Rng& rng, double lo, double hi, DType dtype) {
  return fill_random(shape, dtype, [&] { return rng.uniform(lo, hi); });
}

}  // namespace hr
