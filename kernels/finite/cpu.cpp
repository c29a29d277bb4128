#include <cmath>

#include "kernels/finite/finite.h"

namespace hr::kern {

template <typename T>
int first_nonfinite_cpu(const std::vector<FiniteTensor<T>>& tensors) {
  for (size_t t = 0; t < tensors.size(); ++t)
    for (int64_t i = 0; i < tensors[t].n; ++i)
      if (!std::isfinite(tensors[t].p[i])) return int(t);
  return -1;
}

template int first_nonfinite_cpu<float>(const std::vector<FiniteTensor<float>>&);
template int first_nonfinite_cpu<double>(const std::vector<FiniteTensor<double>>&);

}  // namespace hr::kern
