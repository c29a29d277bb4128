#include "kernels_list.h"

#include <fmt/format.h>

#include "engine/error.h"

namespace hr::bench {

std::vector<HrnetGeometry> kernel_geometries(int width, int image_h, int image_w, int batch) {
  HR_CHECK((image_h > 0) == (image_w > 0),
           "give --image-height and --image-width together (or neither, for 256x192 and 384x288)");
  struct Size {
    int h, w;
  };
  std::vector<int> widths = {32, 48};
  std::vector<Size> sizes = {{256, 192}, {384, 288}};
  if (width > 0) widths = {width};
  if (image_h > 0) sizes = {{image_h, image_w}};
  std::vector<HrnetGeometry> out;
  for (const int wd : widths)
    for (const Size s : sizes) out.push_back({wd, s.h, s.w, batch, 17});
  return out;
}

std::string geometry_title(const HrnetGeometry& g) {
  return fmt::format("HRNet-W{} {}x{}, batch {}", g.width, g.image_h, g.image_w, g.batch);
}

std::string describe_desc(const kern::ConvDesc& d) {
  return fmt::format("N{} {}x{}x{} -> {}x{}x{} K{} s{}", d.N, d.H, d.W, d.Cin, d.Ho, d.Wo, d.Cout, d.K, d.stride);
}

int64_t conv_pass_bytes(const kern::ConvDesc& d) {
  return int64_t(sizeof(float)) * (d.in_elems() + d.weight_elems() + d.out_elems());
}

bool label_selected(const std::string& label, const std::string& filter) {
  return filter.empty() || label.find(filter) != std::string::npos;
}

std::string format_shape_list(const HrnetGeometry& g, const std::string& filter) {
  const std::vector<ConvShape> shapes = hrnet_conv_shapes(g);
  std::string rows;
  int listed = 0, convs = 0;
  int64_t macs = 0, bytes = 0;
  for (size_t i = 0; i < shapes.size(); ++i) {
    const ConvShape& s = shapes[i];
    if (!label_selected(s.label, filter)) continue;
    const kern::ConvDesc& d = s.desc;
    rows += fmt::format("| {} | {}{} | {} | {} | {} | {} |\n", i, s.label, s.bias ? " (+bias)" : "", s.count,
                        describe_desc(d), d.macs(), conv_pass_bytes(d));
    ++listed;
    convs += s.count;
    macs += s.count * d.macs();
    bytes += s.count * conv_pass_bytes(d);
  }
  std::string out = fmt::format("## {}: {} distinct conv shapes, {} convs, {} multiply-adds per image{}\n\n",
                                geometry_title(g), listed, convs, macs / g.batch,
                                filter.empty() ? "" : fmt::format(" (labels containing '{}')", filter));
  out += "| # | label | count | ConvDesc | MACs | bytes |\n|---:|---|---:|---|---:|---:|\n";
  out += rows;
  out += fmt::format("| | total (count-weighted) | {} | | {} | {} |\n", convs, macs, bytes);
  return out;
}

}  // namespace hr::bench
