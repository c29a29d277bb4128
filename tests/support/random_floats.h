// Uniform random floats for kernel tests that work on raw buffers rather than Tensors.
#pragma once
#include <vector>

#include "engine/random.h"

namespace hr::test {

inline std::vector<float> random_floats(size_t n, Rng& rng, double lo = -1.0, double hi = 1.0) {
  std::vector<float> v(n);
  for (float& f : v) f = float(rng.uniform(lo, hi));
  return v;
}

}  // namespace hr::test
