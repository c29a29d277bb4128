#include "kernels/common/conv_describe.h"

#include <cstdio>

namespace hr::kern {

std::string describe_conv(const ConvDesc& d) {
  char buf[192];
  std::snprintf(buf, sizeof(buf), "conv x [%d, %d, %d, %d] (NHWC) * w [%d, %d, %d, %d], stride %d -> y [%d, %d, %d, %d]",
                d.N, d.H, d.W, d.Cin, d.Cout, d.K, d.K, d.Cin, d.stride, d.N, d.Ho, d.Wo, d.Cout);
  return buf;
}

}  // namespace hr::kern
