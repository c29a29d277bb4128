#include "kernels_bench.h"

#include <fmt/core.h>

#include <cstdio>

#include "engine/allocator.h"
#include "bn_shapes.h"
#include "exchange_shapes.h"
#include "kernels_list.h"
#if defined(HRNET_WITH_CUDA)
#include "kernels_bench_cuda.h"
#endif

namespace hr::bench {

int run_kernels_bench(const KernelsOptions& o) {
  const std::vector<HrnetGeometry> geometries = kernel_geometries(o.width, o.image_h, o.image_w, o.batch);
  for (const HrnetGeometry& g : geometries)
    if (const std::string why = validate(g); !why.empty()) {
      fmt::print(stderr, "error: {}: {}\n", geometry_title(g), why);
      return 2;
    }
  if (o.list) {
    for (const HrnetGeometry& g : geometries)
      fmt::print("{}\n{}\n{}\n", format_shape_list(g, o.filter), o.no_exchange ? "" : format_exchange_list(g),
                 o.no_bn ? "" : format_bn_list(g));
    return 0;
  }
#if defined(HRNET_WITH_CUDA)
  if (!cuda_available()) {
    fmt::print(stderr, "error: hrnet-bench kernels: no CUDA device is present (--list prints the shapes without one)\n");
    return 2;
  }
  return run_kernels_bench_cuda(o, geometries);
#else
  fmt::print(stderr, "error: hrnet-bench kernels: this build has no CUDA backend (--list prints the shapes)\n");
  return 2;
#endif
}

}  // namespace hr::bench
