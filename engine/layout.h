// Between PyTorch's channels-first layouts and the engine's channels-last ones. The same
// permutation serves activations (NCHW <-> NHWC) and conv weights (OIHW <-> OHWI).
#pragma once
#include "engine/tensor.h"

namespace hr {

// [A, B, C, D] -> [A, C, D, B]  (NCHW -> NHWC, OIHW -> OHWI). CPU tensors of any dtype.
Tensor to_channels_last(const Tensor& t);
// [A, C, D, B] -> [A, B, C, D]  (NHWC -> NCHW, OHWI -> OIHW).
Tensor to_channels_first(const Tensor& t);

}  // namespace hr
