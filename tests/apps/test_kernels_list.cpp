// `hrnet-bench kernels --list` output and the kernels bench's host-side tables: the printed
// shapes must add up to the network (conv count, multiply-adds per image), and the GPU peak
// lookup must not hand one GPU's figures to another.
#include <catch2/catch.hpp>

#include <fmt/core.h>

#include <cmath>
#include <sstream>

#include "apps/hrnet-bench/bn_shapes.h"
#include "apps/hrnet-bench/exchange_shapes.h"
#include "apps/hrnet-bench/gpu_peaks.h"
#include "apps/hrnet-bench/kernels_list.h"
#include "engine/error.h"
#include "support/markdown.h"

using namespace hr::bench;

namespace {

struct Parsed {
  std::string title;
  std::vector<std::vector<std::string>> shape_rows;  // rows whose first cell is an index
  std::vector<std::string> total_row;
};

Parsed parse(const std::string& text) {
  Parsed p;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("## ", 0) == 0) p.title = line;
    if (line.rfind("| ", 0) != 0) continue;
    const std::vector<std::string> c = hr::test::markdown_cells(line);
    if (!c.empty() && !c[0].empty() && std::isdigit(static_cast<unsigned char>(c[0][0])))
      p.shape_rows.push_back(c);
    else if (c.size() > 1 && c[1].find("total") != std::string::npos)
      p.total_row = c;
  }
  return p;
}

}  // namespace

TEST_CASE("kernels --list: every geometry's shapes add up to the network", "[apps][kernels]") {
  const std::vector<HrnetGeometry> sweep = kernel_geometries(0, 0, 0, 32);
  REQUIRE(sweep.size() == 4);
  for (const HrnetGeometry& g : sweep) {
    INFO(geometry_title(g));
    const std::vector<ConvShape> shapes = hrnet_conv_shapes(g);
    const Parsed p = parse(format_shape_list(g, ""));
    REQUIRE(p.shape_rows.size() == shapes.size());
    int convs = 0;
    int64_t macs = 0;
    for (size_t i = 0; i < p.shape_rows.size(); ++i) {
      const std::vector<std::string>& row = p.shape_rows[i];
      REQUIRE(row.size() == 6);  // #, label, count, ConvDesc, MACs, bytes
      CHECK(row[0] == std::to_string(i));
      CHECK(row[3] == describe_desc(shapes[i].desc));
      CHECK(std::stoll(row[5]) == 4 * (shapes[i].desc.in_elems() + shapes[i].desc.weight_elems() +
                                       shapes[i].desc.out_elems()));
      convs += std::stoi(row[2]);
      macs += std::stoi(row[2]) * std::stoll(row[4]);
    }
    // What the rows add up to is the network: 293 convs, hrnet_shapes' multiply-adds, and the
    // official README's figure for these four geometries.
    CHECK(convs == 293);
    CHECK(macs == macs_per_image(shapes) * g.batch);
    const auto official = official_gmacs(g);
    REQUIRE(official);
    CHECK(std::abs(double(macs / g.batch) / double(int64_t(1) << 30) - official->gmacs) <= official->tolerance);
    REQUIRE(p.total_row.size() == 6);
    CHECK(p.total_row[2] == "293");
    CHECK(std::stoll(p.total_row[4]) == macs);
    CHECK_THAT(p.title, Catch::Contains(std::to_string(shapes.size()) + " distinct conv shapes, 293 convs, " +
                                        std::to_string(macs_per_image(shapes)) + " multiply-adds per image"));
  }
}

TEST_CASE("kernels --list --filter keeps the matching shapes and totals them", "[apps][kernels]") {
  const HrnetGeometry g{32, 256, 192, 32, 17};
  const Parsed p = parse(format_shape_list(g, "fuse up"));
  int convs = 0;
  for (const auto& row : p.shape_rows) {
    CHECK_THAT(row[1], Catch::Contains("fuse up"));
    convs += std::stoi(row[2]);
  }
  CHECK(convs == 28);  // anchors.md 2.1: 28 fuse-up 1x1 convs in every HRNet
  CHECK(p.total_row[2] == "28");
}

TEST_CASE("kernels geometry options narrow the sweep", "[apps][kernels]") {
  CHECK(kernel_geometries(48, 0, 0, 32).size() == 2);
  const std::vector<HrnetGeometry> one = kernel_geometries(32, 384, 288, 8);
  REQUIRE(one.size() == 1);
  CHECK(one[0].width == 32);
  CHECK(one[0].image_h == 384);
  CHECK(one[0].image_w == 288);
  CHECK(one[0].batch == 8);
  CHECK(kernel_geometries(0, 256, 256, 32).size() == 2);
  CHECK_THROWS_WITH(kernel_geometries(0, 256, 0, 32), Catch::Contains("--image-height and --image-width together"));
}

TEST_CASE("GPU peaks are looked up by the driver's name, unknown GPUs have none", "[apps][kernels]") {
  const auto h100 = gpu_peaks("NVIDIA H100 80GB HBM3");
  REQUIRE(h100);
  CHECK(h100->bf16_tflops == 989.4);
  CHECK(h100->bandwidth_gbs == 3350);
  CHECK(gpu_peaks("NVIDIA H100 PCIe")->bandwidth_gbs == 2000);
  CHECK(gpu_peaks("NVIDIA H200")->bandwidth_gbs == 4800);
  CHECK(gpu_peaks("NVIDIA A100-SXM4-80GB")->bandwidth_gbs == 2039);
  CHECK(gpu_peaks("NVIDIA A100-PCIE-40GB")->fp32_tflops == 19.5);
  // Variants with other clocks or memory must not inherit a sibling's figures.
  CHECK_FALSE(gpu_peaks("NVIDIA H100 NVL"));
  CHECK_FALSE(gpu_peaks("NVIDIA H200 NVL"));
  CHECK_FALSE(gpu_peaks("NVIDIA GeForce RTX 4090"));
  CHECK_FALSE(gpu_peaks(""));
}

TEST_CASE("kernels --list: the exchange units add up to the network's fuse layers", "[apps][kernels]") {
  for (const HrnetGeometry& g : kernel_geometries(0, 0, 0, 32)) {
    INFO(geometry_title(g));
    int up_convs = 0;  // the network's "fuse up 1x1" convs
    for (const ConvShape& s : hrnet_conv_shapes(g))
      if (s.label == "fuse up 1x1") up_convs += s.count;
    int outputs = 0, up_terms = 0;
    for (const ExchangeShape& e : hrnet_exchange_shapes(g)) {
      outputs += e.count;
      up_terms += e.count * e.up_terms();
      const ExchangeTraffic t = exchange_traffic(e);
      if (e.up_terms() > 0) {
        CHECK(t.unit < t.lib_sum);
        CHECK(t.lib_sum < t.native);
        CHECK(t.native < t.unfused);
      }
    }
    CHECK(outputs == 2 + 3 * 4 + 4 * 2 + 1);  // stage 4's last module keeps output 0 only
    CHECK(up_terms == up_convs);
  }
  // One row by hand: W32 256x192 batch 32, stage 2 output 0 (64x48x32) with branch 1 (32x24x64).
  const ExchangeShape e = hrnet_exchange_shapes(kernel_geometries(32, 256, 192, 32)[0])[0];
  const int64_t full = 32LL * 64 * 48 * 32 * 4, in = 32LL * 32 * 24 * 64 * 4, low = 32LL * 32 * 24 * 32 * 4;
  const ExchangeTraffic t = exchange_traffic(e);
  CHECK(t.unfused == (in + low) + 2 * low + (low + full) + 3 * full);
  CHECK(t.lib_sum == in + 2 * low + 2 * full);
  CHECK(t.unit == in + 2 * full);
  CHECK(format_exchange_list(kernel_geometries(32, 256, 192, 32)[0]).find("| stage4 output 0 | 3 | N32 64x48x32 | 3 | 0 |") !=
        std::string::npos);
}

TEST_CASE("kernels --list: one batch norm per conv but the final layer", "[apps][kernels]") {
  for (const HrnetGeometry& g : kernel_geometries(0, 0, 0, 32)) {
    INFO(geometry_title(g));
    int bns = 0;
    for (const BnShape& b : hrnet_bn_shapes(g)) {
      bns += b.count;
      CHECK(b.rows % g.batch == 0);
    }
    CHECK(bns == total_conv_count(hrnet_conv_shapes(g)) - 1);
    CHECK(format_bn_list(g).find(fmt::format("| **total** | | {} |", bns)) != std::string::npos);
  }
}
