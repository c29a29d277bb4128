// Comparing raw float buffers in kernel tests: an error relative to the reference's largest
// value, and a count of elements whose bits differ (so a failure prints a number instead of
// two whole tensors).
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

#include "kernels/emu/bf16.h"

namespace hr::test {

// max |a - b| over max |b|
inline double rel_max(const std::vector<float>& a, const std::vector<float>& b) {
  double m = 0, s = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    m = std::max(m, double(std::abs(a[i] - b[i])));
    s = std::max(s, double(std::abs(b[i])));
  }
  return m / (s + 1e-30);
}

// Elements whose bits differ (NaN counts as differing); a size mismatch counts whole.
inline size_t mismatches(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) return std::max(a.size(), b.size());
  size_t n = 0;
  for (size_t i = 0; i < a.size(); ++i) n += emu::float_bits(a[i]) != emu::float_bits(b[i]);
  return n;
}

}  // namespace hr::test
