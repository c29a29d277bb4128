// Gradient checks in fp64 by central differences.
//
// For f: inputs -> y, the check compares the analytic gradient of L = sum(R * y) (R a fixed
// random seed tensor, which exercises every output element with a different weight) with
// (L(x + eps e_k) - L(x - eps e_k)) / (2 eps) for every element k of every input.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "engine/engine.h"

namespace hr::test {

struct GradcheckReport {
  double max_rel_error = 0.0;  // over all inputs: max|a - n| / (max|n| + tiny), per input
  std::string worst;           // which input and element
  int64_t elements_checked = 0;
};

using Fn = std::function<Var(const std::vector<Var>&)>;

// inputs must be f64 CPU tensors; they are not modified. Every input is differentiated.
GradcheckReport gradcheck(const Fn& f, const std::vector<Tensor>& inputs, double eps = 1e-6,
                          uint64_t seed = 1234);

}  // namespace hr::test
