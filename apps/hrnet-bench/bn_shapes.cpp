#include "bn_shapes.h"

#include <fmt/core.h>

#include "kernels_list.h"

namespace hr::bench {

std::vector<BnShape> hrnet_bn_shapes(const HrnetGeometry& g) {
  std::vector<BnShape> out;
  for (const ConvShape& s : hrnet_conv_shapes(g)) {
    if (s.bias) continue;  // the final layer: a conv with bias, no BN
    const int64_t rows = s.desc.rows();
    bool merged = false;
    for (BnShape& b : out)
      if (b.rows == rows && b.C == s.desc.Cout) {
        b.count += s.count;
        merged = true;
      }
    if (!merged) out.push_back({rows, s.desc.Cout, s.count});
  }
  return out;
}

std::string format_bn_list(const HrnetGeometry& g) {
  std::string s = fmt::format("### batch norms: {}\n\n| rows | C | count | bytes (x read, y written) |\n|---:|---:|---:|---:|\n",
                              geometry_title(g));
  int total = 0;
  for (const BnShape& b : hrnet_bn_shapes(g)) {
    s += fmt::format("| {} | {} | {} | {} |\n", b.rows, b.C, b.count, 2 * b.rows * b.C * 4);
    total += b.count;
  }
  s += fmt::format("| **total** | | {} | |\n", total);
  return s;
}

}  // namespace hr::bench
