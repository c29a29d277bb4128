// The kernels bench's table on made-up measurements: the figures, the fractions of the GPU's
// peak, FAIL cells and totals (the GPU half only feeds it measurements).
#include <catch2/catch.hpp>

#include <limits>

#include "apps/hrnet-bench/kernels_table.h"
#include "support/markdown.h"

using namespace hr::bench;
using hr::registry::Measurement;
using hr::registry::Status;
using hr::test::markdown_cells;

namespace {

const hr::registry::OpInfo kOp{"conv_fwd", {{"cudnn", 0}, {"native_f32", 1e-4}, {"native_bf16", 1e-2}}};

// W32 256x192 batch 32, "branch 0 3x3": 905,969,664 MACs, 25,202,688 bytes per conv, 64 convs.
ConvShape branch0() {
  return {"branch 0 3x3", hr::kern::make_conv_desc(32, 64, 48, 32, 32, 3, 1), false, 64};
}

Measurement measured(double cudnn_ms, double f32_ms, Status bf16, double bf16_error) {
  Measurement m;
  m.versions = {{"cudnn", Status::Ok, 0, cudnn_ms, ""},
                {"native_f32", Status::Ok, 2e-6, f32_ms, ""},
                {"native_bf16", bf16, bf16_error, bf16 == Status::Ok ? 0.25 : 0.0, ""}};
  return m;
}

}  // namespace

TEST_CASE("kernels table: times, speed-ups and fractions of the peak", "[apps][kernels]") {
  PassTable t(kOp, gpu_peaks("NVIDIA H100 80GB HBM3"), false);
  const std::vector<std::string> h = markdown_cells(t.header().substr(0, t.header().find('\n')));
  REQUIRE(h.size() == 4 + 3 + 4 + 4);
  CHECK(h[5] == "cudnn TFLOP/s (% peak)");
  CHECK(h[8] == "native_f32 vs cudnn");

  const std::vector<std::string> r = markdown_cells(t.row(8, branch0(), measured(1.0, 0.5, Status::Ok, 1e-3)));
  REQUIRE(r.size() == h.size());
  CHECK(r[0] == "8");
  CHECK(r[1] == "N32 64x48x32 -> 64x48x32 K3 s1");
  CHECK(r[3] == "64");
  // cudnn: 2 * 905,969,664 FLOP in 1 ms = 1.81 TFLOP/s = 3% of the fp32 SIMT peak (66.9);
  // 25.2 MB in 1 ms = 25.2 GB/s = 1% of 3,350.
  CHECK(r[4] == "1.0000");
  CHECK(r[5] == "1.81 (3%)");
  CHECK(r[6] == "25.2 (1%)");
  CHECK(r[7] == "0.5000");
  CHECK(r[8] == "2.00x");
  CHECK(r[9] == "3.62 (5%)");
  // bf16 in 0.25 ms: 7.25 TFLOP/s, 1% of the bf16 tensor-core peak (989.4), not of fp32.
  CHECK(r[11] == "0.2500");
  CHECK(r[12] == "4.00x");
  CHECK(r[13] == "7.25 (1%)");
  CHECK(t.failures().empty());

  // Totals weight by count: 64 convs of this shape.
  const std::vector<std::string> tot = markdown_cells(t.total_row());
  CHECK(tot[4] == "64.0000");
  CHECK(tot[5] == "1.81 (3%)");
  CHECK(tot[8] == "2.00x");
}

TEST_CASE("kernels table: a failed version shows FAIL, no figures, and spoils its total", "[apps][kernels]") {
  PassTable t(kOp, std::nullopt, false);  // unknown GPU: no fractions
  const std::vector<std::string> ok = markdown_cells(t.row(0, branch0(), measured(1.0, 0.5, Status::Ok, 1e-3)));
  CHECK(ok[5] == "1.81 (n/a)");
  const std::vector<std::string> bad = markdown_cells(t.row(1, branch0(), measured(1.0, 0.5, Status::Failed, 0.31)));
  CHECK(bad[11] == "FAIL 3.1e-01");
  CHECK(bad[12] == "-");
  CHECK(bad[13] == "-");
  CHECK(bad[14] == "-");
  REQUIRE(t.failures().size() == 1);
  CHECK_THAT(t.failures()[0], Catch::Contains("native_bf16 of conv_fwd") && Catch::Contains("3.1e-01"));
  const std::vector<std::string> tot = markdown_cells(t.total_row());
  REQUIRE(tot.size() == 15);
  CHECK(tot[4] == "128.0000");
  CHECK(tot[11] == "n/a (1 shapes not ok)");
  CHECK(tot[7] == "64.0000");

  const std::vector<std::string> threw = markdown_cells(
      t.row(2, branch0(), measured(1.0, 0.5, Status::Failed, std::numeric_limits<double>::quiet_NaN())));
  CHECK(threw[11] == "FAIL (threw)");
}

TEST_CASE("kernels table: with TF32 on, the baseline is measured against the TF32 peak", "[apps][kernels]") {
  PassTable t(kOp, gpu_peaks("NVIDIA H100 80GB HBM3"), true);
  const std::vector<std::string> r = markdown_cells(t.row(0, branch0(), measured(0.01, 0.5, Status::Ok, 1e-3)));
  CHECK(r[5] == "181 (37%)");  // 181 TFLOP/s of 494.7
  CHECK(r[9] == "3.62 (5%)");  // native_f32 stays on the fp32 peak
}

TEST_CASE("kernels --json record names the shape and keeps every version", "[apps][kernels]") {
  const HrnetGeometry g{48, 384, 288, 32, 17};
  const nlohmann::json j = kernels_record(g, "dgrad", branch0(), measured(1.0, 0.5, Status::Failed, 0.31));
  CHECK(j["geometry"]["width"] == 48);
  CHECK(j["pass"] == "dgrad");
  CHECK(j["desc"]["Cin"] == 32);
  CHECK(j["macs"] == 905969664);
  CHECK(j["bytes"] == 25202688);
  CHECK(j["versions"][2]["status"] == "failed");
  CHECK(j["versions"][1]["ms"] == 0.5);
}
