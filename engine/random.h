// A small deterministic random generator (xoshiro256** seeded through splitmix64) with our
// own normal sampler, so that initialisation and augmentation give the same numbers on every
// platform and standard library (std::normal_distribution is implementation-defined).
#pragma once
#include <cstdint>

#include "engine/tensor.h"

namespace hr {

class Rng {
 public:
  explicit Rng(uint64_t seed = 0) { seed_with(seed); }
  void seed_with(uint64_t seed);

  uint64_t next_u64();
  double uniform();                    // [0, 1)
  double uniform(double lo, double hi);
  double normal();                     // N(0, 1), Marsaglia polar method
  int64_t randint(int64_t n);          // [0, n)

  // The full state, for checkpoints.
  struct State {
    uint64_t s[4];
    bool has_spare;
    double spare;
  };
  State state() const { return {{s_[0], s_[1], s_[2], s_[3]}, has_spare_, spare_}; }
  void set_state(const State& st);

 private:
  uint64_t s_[4] = {0, 0, 0, 0};
  bool has_spare_ = false;
  double spare_ = 0.0;
};

// CPU tensors of random values.
Tensor randn(const Shape& shape, Rng& rng, double stddev = 1.0, DType dtype = DType::f32);
Tensor rand_uniform(const Shape& shape, Rng& rng, double lo, double hi, DType dtype = DType::f32);

}  // namespace hr
