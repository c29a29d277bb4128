// The result type of every weight-file reader: tensors with their PyTorch state_dict names,
// in file order.
#pragma once
#include <string>
#include <vector>

#include "engine/tensor.h"

namespace hr::io {

struct NamedTensor {
  std::string name;
  Tensor tensor;
};

using NamedTensors = std::vector<NamedTensor>;

}  // namespace hr::io
