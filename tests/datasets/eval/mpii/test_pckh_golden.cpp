// PCKh against a numpy transcription of the official MPIIDataset.evaluate
// (tests/reference/make_mpii_fixtures.py -> tests/fixtures/mpii/pckh_golden.json). The values
// must be bit-identical: same float32 +1, same float64 operations, same pairwise sum.
#include <algorithm>
#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "datasets/eval/mpii/mat_v5.h"
#include "datasets/eval/mpii/mat_v5_writer.h"
#include "datasets/eval/mpii/pckh.h"
#include "mpii_test_support.h"

using namespace hr::data;
using namespace hr::test::mpii;
using nlohmann::json;

namespace {

json golden() {
  const std::vector<uint8_t> b = read_bytes(fixture("pckh_golden.json"));
  return json::parse(b.begin(), b.end());
}

std::vector<std::array<float, 2>> preds_of(const json& c) {
  std::vector<std::array<float, 2>> out;
  // float32 values stored as the float64 equal to them: the cast is exact.
  for (const json& img : c["preds_0based"])
    for (const json& p : img) out.push_back({static_cast<float>(p[0].get<double>()),
                                             static_cast<float>(p[1].get<double>())});
  return out;
}

// JSON null is NaN; otherwise the value must be identical.
void same(double got, const json& want, const std::string& what) {
  INFO(what << ": got " << fmt::format("{}", got) << ", want " << want.dump());  // shortest round-trip
  if (want.is_null()) {
    CHECK(std::isnan(got));
  } else {
    CHECK(got == want.get<double>());
  }
}

void check_case(const PckhTable& t, const json& c) {
  for (int j = 0; j < 16; ++j) {
    same(t.pckh[j], c["PCKh"][j], "PCKh " + std::to_string(j));
    same(t.jnt_count[j], c["jnt_count"][j], "jnt_count " + std::to_string(j));
    same(t.jnt_ratio[j], c["jnt_ratio"][j], "jnt_ratio " + std::to_string(j));
  }
  if (c.contains("pckAll")) {  // the whole threshold sweep, for the random case
    REQUIRE(t.thresholds.size() == c["thresholds"].size());
    for (size_t r = 0; r < t.thresholds.size(); ++r) {
      same(t.thresholds[r], c["thresholds"][r], "threshold " + std::to_string(r));
      for (int j = 0; j < 16; ++j)
        same(t.pck_all[r][j], c["pckAll"][r][j], "pckAll " + std::to_string(r) + "," + std::to_string(j));
    }
  }
  const auto nv = t.name_values();
  REQUIRE(nv.size() == c["name_value"].size());
  for (size_t i = 0; i < nv.size(); ++i) {
    CHECK(nv[i].first == c["name_value"][i][0].get<std::string>());
    same(nv[i].second, c["name_value"][i][1], nv[i].first);
  }
}

}  // namespace

TEST_CASE("PCKh golden: random case from gt_small.mat equals numpy bit for bit", "[mpii_eval]") {
  const json g = golden();
  const json& c = g["random"];
  const MpiiGroundTruth gt = load_mpii_gt(fixture("gt_small.mat"));
  const PckhTable t = evaluate_pckh(gt, preds_of(c));
  check_case(t, c);
  // A spread of values, so the comparison is not trivially all-0 or all-100.
  CHECK(t.mean > 50);
  CHECK(t.mean < 90);
  CHECK(t.mean_at_0_1 > 5);
  CHECK(t.mean_at_0_1 < 30);
}

TEST_CASE("PCKh golden: quirks case (never-visible joint, zero head size)", "[mpii_eval]") {
  const json g = golden();
  const json& c = g["quirks"];
  const MpiiGroundTruth gt = mpii_gt_from_json(c["ground_truth"], "quirks");
  const PckhTable t = evaluate_pckh(gt, preds_of(c));
  check_case(t, c);
  CHECK(std::isnan(t.mean));
}

TEST_CASE("PCKh golden: boundary case needs the float32 + 1", "[mpii_eval]") {
  // Errors of exactly 0.5 exist only when pred + 1 is rounded to float32 as officially; in
  // float64 half of these joints would flip (the fixture script checks that).
  const json g = golden();
  const json& c = g["boundary"];
  const PckhTable t = evaluate_pckh(mpii_gt_from_json(c["ground_truth"], "boundary"), preds_of(c));
  check_case(t, c);
}

TEST_CASE("PCKh golden: small cases whose Mean depends on numpy's summation order", "[mpii_eval]") {
  const json g = golden();
  REQUIRE(g["many"].size() == 10);
  for (size_t i = 0; i < g["many"].size(); ++i) {
    INFO("case " << i);
    const json& c = g["many"][i];
    check_case(evaluate_pckh(mpii_gt_from_json(c["ground_truth"], "many"), preds_of(c)), c);
  }
}

TEST_CASE("pred.mat: the same bytes as scipy.io.savemat after the header text", "[mpii_eval]") {
  const json g = golden();
  const std::vector<std::array<float, 2>> preds = preds_of(g["random"]);
  TempDir tmp;
  const std::string path = tmp.path("pred.mat");
  write_pred_mat(path, preds);
  const std::vector<uint8_t> ours = read_bytes(path);
  const std::vector<uint8_t> scipy = read_bytes(fixture("pred_scipy.mat"));
  REQUIRE(ours.size() == scipy.size());
  // Bytes 0..115 are free text (scipy puts its creation date there).
  CHECK(std::equal(ours.begin() + 116, ours.end(), scipy.begin() + 116));
  // No temporary file is left beside it.
  CHECK(std::distance(std::filesystem::directory_iterator(tmp.dir), {}) == 1);

  // Our reader: preds, N x 16 x 2 single, holding pred + 1 (float32).
  const mat::MatFile f = mat::read_mat_v5(path);
  const mat::MatArray& a = f.get("preds");
  CHECK(a.cls == mat::MatClass::Single);
  CHECK(a.dims == std::vector<int64_t>{40, 16, 2});
  for (int n = 0; n < 40; ++n)
    for (int j = 0; j < 16; ++j)
      for (int c = 0; c < 2; ++c)
        REQUIRE(a.values[n + 40 * (j + 16 * c)] == double(preds[n * 16 + j][c] + 1.0f));
}

TEST_CASE("MAT writer: double arrays round-trip, and bad arguments are errors", "[mpii_eval]") {
  const std::vector<double> v = {1.5, -2, 3e-300, 4, 5, 6};
  const std::vector<uint8_t> b = mat::encode_mat_v5("abc", {2, 3}, std::span<const double>(v));
  const mat::MatFile f = mat::parse_mat_v5(b, "mem.mat");
  CHECK(f.get("abc").cls == mat::MatClass::Double);
  CHECK(f.get("abc").dims == std::vector<int64_t>{2, 3});
  CHECK(f.get("abc").values == v);
  CHECK(b.size() % 8 == 0);
  // A one-value single array is a small data element.
  const float one = 7.f;
  CHECK(mat::parse_mat_v5(mat::encode_mat_v5("s", {1, 1}, std::span<const float>(&one, 1)), "m")
            .get("s").values == std::vector<double>{7.0});

  require_error([&] { mat::encode_mat_v5("x", {2, 2}, std::span<const double>(v)); },
                {"'x'", "6 values for dimensions whose product is 4"});
  require_error([&] { mat::encode_mat_v5("x", {6}, std::span<const double>(v)); }, {"at least 2 dimensions"});
  TempDir tmp;
  require_error([&] { mat::write_mat_v5(tmp.path("no/such/dir/p.mat"), "x", {2, 3}, std::span<const double>(v)); },
                {"p.mat", "cannot create temporary file"});
  std::vector<std::array<float, 2>> seventeen(17);
  require_error([&] { write_pred_mat(tmp.path("p.mat"), seventeen); }, {"17 predictions, not a multiple of 16"});
}
