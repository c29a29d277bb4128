#include "exchange_shapes.h"

#include <fmt/core.h>

#include "kernels_list.h"

namespace hr::bench {

std::vector<ExchangeShape> hrnet_exchange_shapes(const HrnetGeometry& g) {
  struct Stage {
    int number, branches, modules;
  };
  const Stage stages[] = {{2, 2, 1}, {3, 3, 4}, {4, 4, 3}};
  std::vector<ExchangeShape> out;
  for (const Stage& s : stages)
    for (int o = 0; o < s.branches; ++o) {
      ExchangeShape e;
      e.label = fmt::format("stage{} output {}", s.number, o);
      // The last module of stage 4 keeps output 0 only (multi_scale_output false).
      e.count = s.number == 4 && o > 0 ? s.modules - 1 : s.modules;
      e.N = g.batch;
      e.branches = s.branches;
      e.out = o;
      for (int b = 0; b < s.branches; ++b) {
        e.h[size_t(b)] = g.image_h / (4 << b);
        e.w[size_t(b)] = g.image_w / (4 << b);
        e.c[size_t(b)] = g.width << b;
      }
      out.push_back(e);
    }
  return out;
}

ExchangeTraffic exchange_traffic(const ExchangeShape& e) {
  ExchangeTraffic t;
  const int64_t full = e.out_bytes();
  for (int j = e.out + 1; j < e.branches; ++j) {
    const int64_t in = int64_t(e.N) * e.h[size_t(j)] * e.w[size_t(j)] * e.c[size_t(j)] * 4;
    const int64_t low = e.term_bytes(j);
    t.unfused += (in + low) + 2 * low + (low + full) + 3 * full;  // conv, BN, upsample, add
    t.native += in + 2 * full;                                    // accumulating conv
    t.lib_sum += (in + low) + low;                                // conv, then read by the sum
    t.unit += in;                                                 // read once by the one kernel
  }
  t.native += 2 * full;   // the identity copy
  t.lib_sum += 2 * full;  // the sum reads the identity and writes the output
  t.unit += 2 * full;     // so does the unit kernel
  return t;
}

std::string format_exchange_list(const HrnetGeometry& g) {
  std::string s = fmt::format("### exchange units: {}\n\n| label | count | output | up terms | down terms | "
                              "bytes: unfused | native fused | lib conv + fused sum | native unit |\n|---|---:|---|---:|---:|---:|---:|---:|---:|\n",
                              geometry_title(g));
  for (const ExchangeShape& e : hrnet_exchange_shapes(g)) {
    const ExchangeTraffic t = exchange_traffic(e);
    const auto bytes = [&](int64_t b) { return e.up_terms() > 0 ? fmt::format("{}", b) : std::string("-"); };
    s += fmt::format("| {} | {} | N{} {}x{}x{} | {} | {} | {} | {} | {} | {} |\n", e.label, e.count, e.N,
                     e.h[size_t(e.out)], e.w[size_t(e.out)], e.c[size_t(e.out)], e.up_terms(), e.down_terms(),
                     bytes(t.unfused), bytes(t.native), bytes(t.lib_sum), bytes(t.unit));
  }
  return s;
}

}  // namespace hr::bench
