// Every malformed-input path of the MAT v5 reader ends in an hr::Error that names the file
// and, for element errors, the byte offset.
#include <catch2/catch.hpp>

#include "datasets/eval/mpii/mat_v5.h"
#include "mpii_test_support.h"

using namespace hr::data::mat;
using namespace hr::test::mpii;
using namespace hr::test::mpii::matb;

namespace {
MatFile parse(const std::vector<uint8_t>& b) { return parse_mat_v5(b, "bad.mat"); }
}  // namespace

TEST_CASE("MAT v5 errors: header", "[mpii_eval]") {
  require_error([] { parse(std::vector<uint8_t>(100, 'M')); },
                {"bad.mat", "shorter than the 128-byte header"});
  require_error([] { parse(header("HDF5 something else")); }, {"bad.mat", "does not start with 'MATLAB'"});
  require_error([] { parse(header("MATLAB 5.0 MAT-file", 0x0001, 'M', 'I')); },
                {"bad.mat", "big-endian", "offset 126"});
  require_error([] { parse(header("MATLAB 5.0 MAT-file", 0x0100, 'X', 'Y')); },
                {"bad.mat", "bad endian indicator"});
  require_error([] { parse(header("MATLAB 7.3 MAT-file", 0x0200)); }, {"bad.mat", "v7.3 (HDF5)"});
  require_error([] { parse(header("MATLAB 5.0 MAT-file", 0x0300)); },
                {"bad.mat", "unsupported MAT version 0x0300"});
  require_error([] { read_mat_v5(fixture("no_such_file.mat")); }, {"no_such_file.mat", "cannot open"});
}

TEST_CASE("MAT v5 errors: truncated files", "[mpii_eval]") {
  for (const char* name : {"gt_small.mat", "gt_small_uncompressed.mat"}) {
    std::vector<uint8_t> b = read_bytes(fixture(name));
    b.resize(b.size() - 100);  // the last element loses its end
    INFO(name);
    require_error([&] { parse(b); }, {"bad.mat", "truncated", "offset"});
  }
  // A partial tag after the last element.
  auto b = cat({header(), double_matrix("x", {1, 1}, {1.0}), std::vector<uint8_t>{1, 0, 0, 0}});
  require_error([&] { parse(b); }, {"tag needs 8 bytes, 4 left", "offset 200"});
}

TEST_CASE("MAT v5 errors: corrupt and truncated zlib streams", "[mpii_eval]") {
  const auto good = cat({header(), compressed(double_matrix("x", {4, 8}, std::vector<double>(32, 0.25)))});
  REQUIRE(parse(good).get("x").values.size() == 32);

  auto corrupt = good;
  for (size_t i = 128 + 8 + 2; i < 128 + 8 + 12; ++i) corrupt[i] ^= 0x5a;  // inside the deflate data
  require_error([&] { parse(corrupt); }, {"bad.mat", "corrupt zlib data", "offset 128"});

  // The stream cut short, with the tag's byte count adjusted to match: inflate runs out of input.
  auto cut = good;
  cut.resize(cut.size() - 6);
  const uint32_t n = static_cast<uint32_t>(cut.size() - 128 - 8);
  for (int i = 0; i < 4; ++i) cut[128 + 4 + i] = static_cast<uint8_t>(n >> (8 * i));
  require_error([&] { parse(cut); }, {"bad.mat", "truncated zlib stream"});

  // A compressed element must hold an array.
  require_error([] { parse(cat({header(), compressed(element(miDOUBLE, doubles({1.0})))})); },
                {"holds miDOUBLE, expected miMATRIX", "inflated from the miCOMPRESSED element at offset 128"});
}

TEST_CASE("MAT v5 errors: malformed array elements", "[mpii_eval]") {
  // Data size disagreeing with the dimensions.
  require_error([] { parse(cat({header(), matrix(kDouble, {2, 3}, "x", element(miUINT8, {1, 2, 3, 4, 5}))})); },
                {"bad.mat", "variable 'x'", "real part holds 5 bytes of miUINT8", "2x3 double", "needs 6"});
  // A non-numeric type as the real part.
  require_error([] { parse(cat({header(), matrix(kDouble, {1, 1}, "x", element(miMATRIX, {}))})); },
                {"variable 'x'", "non-numeric type miMATRIX"});
  // Top level holds only arrays.
  require_error([] { parse(cat({header(), element(miDOUBLE, doubles({1.0}))})); },
                {"unexpected top-level element miDOUBLE", "offset 128"});
  // Array flags of the wrong size.
  require_error([] { parse(cat({header(), element(miMATRIX, element(miUINT32, i32s({6})))})); },
                {"array flags must be 8 bytes of miUINT32"});
  require_error([] { parse(cat({header(), element(miMATRIX, element(miUINT32, i32s({99, 0})))})); },
                {"unknown array class 99"});
  require_error([] { parse(cat({header(), matrix(kDouble, {-1, 2}, "x", {})})); }, {"negative dimension -1"});
  // A small data element cannot hold more than 4 bytes.
  auto b = cat({header(), matrix(kDouble, {1, 1}, "x", small_element(miUINT8, {1}))});
  b[b.size() - 8 + 2] = 9;  // the small tag's byte count (high 16 bits) := 9
  require_error([&] { parse(b); }, {"small data element claims 9 bytes"});
  // Cells hold arrays.
  require_error([] { parse(cat({header(), matrix(kCell, {1, 1}, "c", element(miDOUBLE, doubles({1.0})))})); },
                {"variable 'c'", "cell element 0 is miDOUBLE, expected miMATRIX"});
  // Character data must be valid UTF-8 and as long as the dimensions say.
  require_error([] { parse(cat({header(), matrix(kChar, {1, 2}, "s", element(miUTF8, {'a', 0xc3}))})); },
                {"variable 's'", "invalid UTF-8"});
  require_error([] { parse(cat({header(), matrix(kChar, {1, 3}, "s", element(miUTF8, {'a', 'b'}))})); },
                {"variable 's'", "holds 2 characters", "needs 3"});
}

TEST_CASE("MAT v5 errors: cells nested beyond the depth limit", "[mpii_eval]") {
  std::vector<uint8_t> e = double_matrix("", {1, 1}, {1.0});
  for (int i = 0; i < 70; ++i) e = matrix(kCell, {1, 1}, i == 69 ? "deep" : "", e);
  require_error([&] { parse(cat({header(), e})); }, {"variable 'deep'", "nested deeper than 64"});
}

TEST_CASE("MAT v5 errors: a missing variable lists what the file holds", "[mpii_eval]") {
  const MatFile f = read_mat_v5(fixture("gt_small.mat"));
  require_error([&] { f.get("jnt_visible"); },
                {"gt_small.mat", "no variable 'jnt_visible'", "jnt_missing", "pos_gt_src"});
}
