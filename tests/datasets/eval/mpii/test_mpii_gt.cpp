// The MPII ground truth from gt_valid.mat-like files and from our JSON format: both give the
// same arrays; wrong shapes, classes and values are errors naming the file and variable.
#include <catch2/catch.hpp>
#include <cmath>
#include <nlohmann/json.hpp>

#include "datasets/eval/mpii/mpii_gt.h"
#include "mpii_test_support.h"

using namespace hr::data;
using namespace hr::test::mpii;
using namespace hr::test::mpii::matb;

TEST_CASE("MPII gt: the .mat, the uncompressed .mat and the JSON give the same arrays",
          "[mpii_eval]") {
  const MpiiGroundTruth a = load_mpii_gt(fixture("gt_small.mat"));
  const MpiiGroundTruth b = load_mpii_gt(fixture("gt_small_uncompressed.mat"));
  const MpiiGroundTruth c = load_mpii_gt(fixture("gt_small.json"));
  for (const MpiiGroundTruth* g : {&a, &b, &c}) {
    CHECK(g->num_images == 40);
    CHECK(g->jnt_missing == a.jnt_missing);
    CHECK(g->pos_gt_src == a.pos_gt_src);
    CHECK(g->headboxes_src == a.headboxes_src);
    CHECK(g->joint_names == mpii_default_joint_names());
  }
  CHECK(a.joint_index("head") == 9);
  CHECK(a.joint_index("lwri") == 15);
  require_error([&] { a.joint_index("nose"); }, {"gt_small.mat", "no joint named 'nose'"});
  // The accessors follow the .mat layout: pos(j, c, n) = pos_gt_src[j + 16 (c + 2 n)].
  CHECK(a.pos(3, 1, 2) == a.pos_gt_src[3 + 16 * (1 + 2 * 2)]);
  CHECK(a.headbox(1, 0, 5) == a.headboxes_src[1 + 2 * (0 + 2 * 5)]);
  CHECK(a.missing(7, 9) == a.jnt_missing[7 + 16 * 9]);
}

namespace {

// A ground-truth .mat of N images from hand-made elements, one of which can be replaced.
std::vector<uint8_t> gt_file(int n, std::vector<uint8_t> miss, std::vector<uint8_t> pos,
                             std::vector<uint8_t> box) {
  if (miss.empty()) miss = double_matrix("jnt_missing", {16, n}, std::vector<double>(16 * n, 0.0));
  if (pos.empty()) pos = double_matrix("pos_gt_src", {16, 2, n}, std::vector<double>(32 * n, 5.0));
  if (box.empty()) box = double_matrix("headboxes_src", {2, 2, n}, std::vector<double>(4 * n, 1.0));
  return cat({header(), miss, pos, box});
}

MpiiGroundTruth from_bytes(const std::vector<uint8_t>& b) {
  return mpii_gt_from_mat(hr::data::mat::parse_mat_v5(b, "gt.mat"));
}

}  // namespace

TEST_CASE("MPII gt: one image, with the singleton dimension MATLAB drops", "[mpii_eval]") {
  // MATLAB saves a 16x2x1 array as 16x2; it is still one image.
  const auto b = gt_file(1, double_matrix("jnt_missing", {16, 1}, std::vector<double>(16, 1.0)),
                         double_matrix("pos_gt_src", {16, 2}, std::vector<double>(32, 2.0)),
                         double_matrix("headboxes_src", {2, 2}, {0, 10, 0, 10}));
  const MpiiGroundTruth g = from_bytes(b);
  CHECK(g.num_images == 1);
  CHECK(g.headbox(1, 1, 0) == 10);
  CHECK(g.joint_names == mpii_default_joint_names());  // no dataset_joints: the official order
}

TEST_CASE("MPII gt errors: shapes, classes, values, missing variables", "[mpii_eval]") {
  require_error([] { from_bytes(gt_file(3, {}, double_matrix("pos_gt_src", {16, 3, 3}, std::vector<double>(144, 0.0)), {})); },
                {"gt.mat", "variable 'pos_gt_src'", "wrong shape: 16x3x3 double, expected 16x2xN"});
  require_error([] { from_bytes(gt_file(3, double_matrix("jnt_missing", {15, 3}, std::vector<double>(45, 0.0)), {}, {})); },
                {"variable 'jnt_missing'", "wrong shape: 15x3 double, expected 16xN"});
  require_error([] { from_bytes(gt_file(3, {}, {}, double_matrix("headboxes_src", {2, 2, 4}, std::vector<double>(16, 0.0)))); },
                {"gt.mat", "image counts differ: jnt_missing 3, pos_gt_src 3, headboxes_src 4"});
  require_error([] { from_bytes(gt_file(2, {}, {}, double_matrix("headboxes_src", {2, 2, 2, 2}, std::vector<double>(16, 0.0)))); },
                {"variable 'headboxes_src'", "wrong shape"});
  std::vector<double> bad_missing(32, 0.0);
  bad_missing[5 + 16 * 1] = 2.0;
  require_error([&] { from_bytes(gt_file(2, double_matrix("jnt_missing", {16, 2}, bad_missing), {}, {})); },
                {"gt.mat", "jnt_missing[joint 5, image 1] = 2", "must be 0 (visible) or 1"});
  require_error([] { from_bytes(gt_file(2, matrix(kStruct, {1, 1}, "jnt_missing", {}), {}, {})); },
                {"variable 'jnt_missing' is 1x1 struct", "expected a real numeric"});
  require_error([] { from_bytes(cat({header(), double_matrix("jnt_missing", {16, 1}, std::vector<double>(16, 0.0))})); },
                {"gt.mat", "no variable 'pos_gt_src'"});
  require_error([] { load_mpii_gt(fixture("missing.mat")); }, {"missing.mat", "cannot open"});
}

TEST_CASE("MPII gt: dataset_joints as a cell of cells, a char matrix, or unreadable", "[mpii_eval]") {
  const auto& def = mpii_default_joint_names();
  std::vector<std::string> swapped = def;
  std::swap(swapped[9], swapped[8]);  // "head" at index 8
  // A cell of 1x1 cells of char (how some tools save a list of strings).
  std::vector<uint8_t> cells;
  for (const std::string& s : swapped) {
    const auto ch = matrix(kChar, {1, static_cast<int32_t>(s.size())}, "", element(miUTF8, text(s)));
    const auto inner = matrix(kCell, {1, 1}, "", ch);
    cells.insert(cells.end(), inner.begin(), inner.end());
  }
  auto with_names = [](const std::vector<uint8_t>& names) {
    return cat({gt_file(1, {}, {}, {}), names});
  };
  MpiiGroundTruth g = from_bytes(with_names(matrix(kCell, {1, 16}, "dataset_joints", cells)));
  CHECK(g.joint_names == swapped);
  CHECK(g.joint_index("head") == 8);

  // A 16x4 char matrix: rows are the names (column-major storage).
  std::string colmajor(64, ' ');
  for (int r = 0; r < 16; ++r)
    for (int k = 0; k < 4; ++k) colmajor[r + 16 * k] = def[r][k];
  g = from_bytes(with_names(matrix(kChar, {16, 4}, "dataset_joints", element(miUTF8, text(colmajor)))));
  CHECK(g.joint_names == def);

  // A struct cannot be read: the official order is used.
  g = from_bytes(with_names(matrix(kStruct, {1, 1}, "dataset_joints", {})));
  CHECK(g.joint_names == def);

  // A readable list of the wrong length is an error.
  std::vector<uint8_t> three(cells.begin(), cells.begin() + static_cast<long>(cells.size() / 16 * 3));
  require_error([&] { from_bytes(with_names(matrix(kCell, {1, 3}, "dataset_joints", three))); },
                {"gt.mat", "'dataset_joints' holds 3 names, expected 16"});
}

TEST_CASE("MPII gt: JSON format errors and defaults", "[mpii_eval]") {
  TempDir tmp;
  const std::vector<uint8_t> bytes = read_bytes(fixture("gt_small.json"));
  nlohmann::json ok = nlohmann::json::parse(bytes.begin(), bytes.end());
  ok.erase("dataset_joints");
  CHECK(mpii_gt_from_json(ok, "x.json").joint_names == mpii_default_joint_names());

  nlohmann::json j = ok;
  j.erase("headboxes_src");
  require_error([&] { mpii_gt_from_json(j, "x.json"); }, {"x.json", "no field 'headboxes_src'"});
  j = ok;
  j["pos_gt_src"][3][1].erase(0);  // one ragged list
  require_error([&] { mpii_gt_from_json(j, "x.json"); }, {"x.json", "pos_gt_src[3][1] holds 39 values"});
  j = ok;
  j["jnt_missing"][0][0] = "no";
  require_error([&] { mpii_gt_from_json(j, "x.json"); }, {"x.json: jnt_missing[0][0]", "expected a number"});
  j = ok;
  j["headboxes_src"].erase(1);
  require_error([&] { mpii_gt_from_json(j, "x.json"); }, {"headboxes_src must be a list of 2 lists"});
  j = ok;
  j["pos_gt_src"][0][0][0] = nullptr;  // null is NaN
  CHECK(std::isnan(mpii_gt_from_json(j, "x.json").pos(0, 0, 0)));

  require_error([&] { load_mpii_gt(tmp.write_text("broken.json", "{\"jnt_missing\": [")); },
                {"broken.json", "invalid JSON"});
}
