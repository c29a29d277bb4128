// The MAT v5 reader on scipy-written fixtures (compressed and not) and on hand-made bytes in
// MATLAB's own layouts (narrowed storage types, small data elements, nested cells).
#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "datasets/eval/mpii/mat_v5.h"
#include "mpii_test_support.h"

using namespace hr::data::mat;
using namespace hr::test::mpii;

namespace {

nlohmann::json gt_json() {
  std::ifstream in(fixture("gt_small.json"));
  return nlohmann::json::parse(in);
}

void check_fixture(const MatFile& f, bool compressed) {
  const nlohmann::json want = gt_json();
  CHECK(f.header_text.rfind("MATLAB 5.0 MAT-file", 0) == 0);
  for (const MatArray& v : f.variables) CHECK(v.compressed == compressed);
  CHECK(f.variables.front().offset == 128);  // the first element follows the header

  const MatArray& pos = f.get("pos_gt_src");
  CHECK(pos.cls == MatClass::Double);
  CHECK(pos.dims == std::vector<int64_t>{16, 2, 40});
  CHECK(pos.describe() == "16x2x40 double");
  REQUIRE(pos.values.size() == 16 * 2 * 40);
  // Column-major: element (j, c, n) at j + 16 (c + 2 n); the JSON lists are [j][c][n].
  for (int j = 0; j < 16; ++j)
    for (int c = 0; c < 2; ++c)
      for (int n = 0; n < 40; ++n)
        REQUIRE(pos.values[j + 16 * (c + 2 * n)] == want["pos_gt_src"][j][c][n].get<double>());

  const MatArray& miss = f.get("jnt_missing");
  CHECK(miss.cls == MatClass::UInt8);
  CHECK_FALSE(miss.logical);
  CHECK(miss.dims == std::vector<int64_t>{16, 40});
  for (int j = 0; j < 16; ++j)
    for (int n = 0; n < 40; ++n)
      REQUIRE(miss.values[j + 16 * n] == want["jnt_missing"][j][n].get<double>());

  const MatArray& box = f.get("headboxes_src");
  CHECK(box.cls == MatClass::Int32);
  CHECK(box.dims == std::vector<int64_t>{2, 2, 40});
  for (int k = 0; k < 2; ++k)
    for (int c = 0; c < 2; ++c)
      for (int n = 0; n < 40; ++n)
        REQUIRE(box.values[k + 2 * (c + 2 * n)] == want["headboxes_src"][k][c][n].get<double>());

  const MatArray& names = f.get("dataset_joints");
  CHECK(names.cls == MatClass::Cell);
  CHECK(names.dims == std::vector<int64_t>{1, 16});
  REQUIRE(names.cells.size() == 16);
  for (int j = 0; j < 16; ++j) {
    CHECK(names.cells[j].cls == MatClass::Char);
    CHECK(names.cells[j].name.empty());
    REQUIRE(names.cells[j].rows.size() == 1);
    CHECK(names.cells[j].rows[0] == want["dataset_joints"][j].get<std::string>());
  }

  const MatArray& lg = f.get("extra_logical");  // [[T F T] [F F T]] column-major
  CHECK(lg.logical);
  CHECK(lg.cls == MatClass::UInt8);
  CHECK(lg.describe() == "2x3 logical");
  CHECK(lg.values == std::vector<double>{1, 0, 0, 0, 1, 1});
  CHECK(f.get("extra_int8").values == std::vector<double>{-128, -1, 0, 127});
  CHECK(f.get("extra_int8").cls == MatClass::Int8);
  const MatArray& sg = f.get("extra_single");  // [[1.5 -2.25] [1e-3 3e8]]
  CHECK(sg.cls == MatClass::Single);
  CHECK(sg.values == std::vector<double>{1.5, double(1e-3f), -2.25, double(3.0e8f)});
  // Integers beyond 2^32 convert exactly up to 2^53.
  CHECK(f.get("extra_int64").values == std::vector<double>{-1099511627779.0, 4503599627370497.0});
  CHECK(f.get("extra_int64").cls == MatClass::Int64);
  CHECK(f.get("extra_uint64").values == std::vector<double>{0.0, 9007199254740992.0});
  CHECK(f.get("extra_uint64").cls == MatClass::UInt64);
  CHECK(f.get("extra_uint16").values == std::vector<double>{65535, 7});

  const MatArray& empty = f.get("extra_empty");
  CHECK(empty.dims == std::vector<int64_t>{0, 0});
  CHECK(empty.values.empty());
  CHECK(empty.is_numeric());

  const MatArray& chars = f.get("extra_chars");  // 2x2 char matrix stored column-major
  CHECK(chars.rows == std::vector<std::string>{"ab", "cd"});
  const MatArray& txt = f.get("extra_text");  // a 1x1 cell holding a 1x5 char (UTF-8)
  REQUIRE(txt.cells.size() == 1);
  CHECK(txt.cells[0].dims == std::vector<int64_t>{1, 5});
  CHECK(txt.cells[0].rows == std::vector<std::string>{"Gr\xc3\xb6\xc3\x9f" "e"});

  const MatArray& nested = f.get("extra_nested");  // {{'x'}, 2.5}
  REQUIRE(nested.cells.size() == 2);
  REQUIRE(nested.cells[0].cls == MatClass::Cell);
  REQUIRE(nested.cells[0].cells.size() == 1);
  CHECK(nested.cells[0].cells[0].rows == std::vector<std::string>{"x"});
  CHECK(nested.cells[1].values == std::vector<double>{2.5});

  // A struct is passed over, not read: the variables after it still load.
  const MatArray& st = f.get("extra_struct");
  CHECK(st.cls == MatClass::Struct);
  CHECK_FALSE(st.supported);
  CHECK_FALSE(st.is_numeric());
}

}  // namespace

TEST_CASE("MAT v5: the compressed gt fixture reads with its values, shapes and classes",
          "[mpii_eval]") {
  check_fixture(read_mat_v5(fixture("gt_small.mat")), true);
}

TEST_CASE("MAT v5: the uncompressed gt fixture reads the same", "[mpii_eval]") {
  const MatFile f = read_mat_v5(fixture("gt_small_uncompressed.mat"));
  check_fixture(f, false);
  // Variables follow each other at 8-byte boundaries.
  for (const MatArray& v : f.variables) CHECK(v.offset % 8 == 0);
}

TEST_CASE("MAT v5: MATLAB's narrowed storage and small data elements", "[mpii_eval]") {
  using namespace matb;
  // MATLAB stores a double array of small integers as miUINT8 / miINT16, and data of at most
  // 4 bytes in the small form; the class stays double.
  const auto bytes = cat({header(),
                          matrix(kDouble, {2, 3}, "a", element(miUINT8, {1, 2, 3, 4, 250, 6})),
                          matrix(kDouble, {1, 2}, "b", small_element(miINT16, {0xfb, 0xff, 0x2c, 0x01})),
                          matrix(kDouble | 0x200, {1, 1}, "lg", small_element(miUINT8, {1})),
                          matrix(kChar, {1, 2}, "s", small_element(miUTF8, {'h', 'i'})),
                          compressed(double_matrix("z", {1, 2}, {-0.5, 1e300}))});
  const MatFile f = parse_mat_v5(bytes, "hand.mat");
  CHECK(f.header_text == "MATLAB 5.0 MAT-file, hand-made");
  CHECK(f.get("a").values == std::vector<double>{1, 2, 3, 4, 250, 6});
  CHECK(f.get("a").cls == MatClass::Double);
  CHECK(f.get("b").values == std::vector<double>{-5, 300});
  CHECK(f.get("lg").logical);
  CHECK(f.get("lg").values == std::vector<double>{1});
  CHECK(f.get("s").rows == std::vector<std::string>{"hi"});
  CHECK(f.get("z").values == std::vector<double>{-0.5, 1e300});
  CHECK(f.get("z").compressed);
  CHECK_FALSE(f.get("a").compressed);
}

TEST_CASE("MAT v5: an empty cell element and a 0x0 char", "[mpii_eval]") {
  using namespace matb;
  // MATLAB writes an empty cell element as an miMATRIX with no content at all.
  const auto cell = matrix(kCell, {1, 2}, "c", cat({element(miMATRIX, {}), matrix(kChar, {0, 0}, "", element(miUTF8, {}))}));
  const MatFile f = parse_mat_v5(cat({header(), cell}), "cells.mat");
  const MatArray& c = f.get("c");
  REQUIRE(c.cells.size() == 2);
  CHECK(c.cells[0].dims == std::vector<int64_t>{0, 0});
  CHECK(c.cells[1].cls == MatClass::Char);
  CHECK(c.cells[1].rows.empty());
}

TEST_CASE("MAT v5: a header-only file holds no variables", "[mpii_eval]") {
  const MatFile f = parse_mat_v5(matb::header(), "empty.mat");
  CHECK(f.variables.empty());
  CHECK(f.find("x") == nullptr);
}
