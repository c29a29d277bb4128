// A convolution's shapes in words, for error messages and benchmark tables (host only).
#pragma once
#include <string>

#include "kernels/common/conv_shape.h"

namespace hr::kern {

// "conv x [N, H, W, Cin] (NHWC) * w [Cout, K, K, Cin], stride s -> y [N, Ho, Wo, Cout]"
std::string describe_conv(const ConvDesc& d);

}  // namespace hr::kern
