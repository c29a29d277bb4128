// safetensors: round trips, the Python library's output, and every way a header can lie.
#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>

#include "engine/io/safetensors.h"
#include "io/io_test_support.h"

using namespace hr;
using namespace hr::io;
using hr::test::error_of;

namespace {

// A file from a header text and a data area, the way a hand-made (or hostile) writer would.
std::vector<uint8_t> st_file(const std::string& header, size_t data_bytes, uint64_t claimed_len = 0) {
  const uint64_t len = claimed_len ? claimed_len : header.size();
  std::vector<uint8_t> out(8 + header.size() + data_bytes, 0);
  std::memcpy(out.data(), &len, 8);
  std::memcpy(out.data() + 8, header.data(), header.size());
  return out;
}

std::string parse_error(const std::vector<uint8_t>& bytes) {
  return error_of([&] { parse_safetensors(bytes, "bad.safetensors"); });
}

NamedTensors sample_tensors() {
  return {
      {"conv.weight", Tensor::from_vector<float>({2, 1, 1, 3}, {1.5f, -2.f, 3.25f, 0.f, 1e-30f, -7.f})},
      {"stats.double", Tensor::from_vector<double>({3}, {0.1, -1e300, 3.0})},
      {"bn.num_batches_tracked", Tensor::from_vector<int64_t>({}, {123456789012345})},
      {"ids", Tensor::from_vector<int64_t>({2, 2}, {-1, 2, 3, 4})},
      {"empty", Tensor::zeros({0, 4})},
  };
}

void check_same(const NamedTensors& a, const NamedTensors& b) {
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    INFO(a[i].name);
    CHECK(a[i].name == b[i].name);
    CHECK(a[i].tensor.dtype() == b[i].tensor.dtype());
    CHECK(a[i].tensor.shape() == b[i].tensor.shape());
    REQUIRE(a[i].tensor.nbytes() == b[i].tensor.nbytes());
    CHECK(std::memcmp(a[i].tensor.raw(), b[i].tensor.raw(), a[i].tensor.nbytes()) == 0);
  }
}

}  // namespace

TEST_CASE("safetensors round trip keeps names, order, dtypes, 0-D and metadata", "[io][safetensors]") {
  hr::test::ScratchDir dir;
  const auto path = (dir / "w.safetensors").string();
  const NamedTensors tensors = sample_tensors();
  write_safetensors(path, tensors, {{"format", "pt"}, {"arch", "pose_hrnet_w32"}});

  const SafetensorsContents back = read_safetensors(path);
  check_same(back.tensors, tensors);
  CHECK(back.tensors[2].tensor.ndim() == 0);
  CHECK(back.metadata == SafetensorsMetadata{{"format", "pt"}, {"arch", "pose_hrnet_w32"}});

  // Only the final file remains: the temporary one was renamed.
  CHECK(std::distance(std::filesystem::directory_iterator(dir.path()), {}) == 1);

  // The data area starts 8-byte aligned, as the Python library writes it.
  const auto bytes = hr::test::read_bytes(path);
  uint64_t header_len = 0;
  std::memcpy(&header_len, bytes.data(), 8);
  CHECK(header_len % 8 == 0);
}

TEST_CASE("safetensors encode and parse agree in memory", "[io][safetensors]") {
  const auto bytes = encode_safetensors(sample_tensors());
  const SafetensorsContents back = parse_safetensors(bytes, "memory");
  check_same(back.tensors, sample_tensors());
  CHECK(back.metadata.empty());
}

TEST_CASE("safetensors written by the Python library load exactly", "[io][safetensors]") {
  const auto& expected = hr::test::io_expected()["python.safetensors"];
  const SafetensorsContents st = read_safetensors(hr::test::io_fixture("python.safetensors").string());
  hr::test::check_tensors(st.tensors, expected["tensors"]);
  CHECK(st.metadata == expected["metadata"].get<SafetensorsMetadata>());
}

TEST_CASE("safetensors writing is atomic and refuses bad input", "[io][safetensors]") {
  hr::test::ScratchDir dir;
  const auto path = (dir / "w.safetensors").string();
  write_safetensors(path, sample_tensors());
  const auto before = hr::test::read_bytes(path);

  const Tensor t = Tensor::zeros({2});
  CHECK_THAT(error_of([&] { write_safetensors(path, {{"a", t}, {"a", t}}); }),
             Catch::Contains("'a' appears twice"));
  CHECK_THAT(error_of([&] { write_safetensors(path, {{"", t}}); }), Catch::Contains("empty name"));
  CHECK_THAT(error_of([&] { write_safetensors(path, {{"u", Tensor()}}); }), Catch::Contains("undefined"));
  CHECK_THAT(error_of([&] { write_safetensors(path, {{"__metadata__", t}}); }), Catch::Contains("reserved"));
  CHECK_THAT(error_of([&] { write_safetensors((dir / "no/such/dir.st").string(), {{"a", t}}); }),
             Catch::Contains("cannot create"));

  // The earlier file is untouched and no temporary file was left behind.
  CHECK(hr::test::read_bytes(path) == before);
  CHECK(std::distance(std::filesystem::directory_iterator(dir.path()), {}) == 1);
}

TEST_CASE("safetensors header errors name the file and the field", "[io][safetensors]") {
  const std::string ok_entry = R"("w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]})";

  SECTION("valid reference") { CHECK(parse_safetensors(st_file("{" + ok_entry + "}", 8), "x").tensors.size() == 1); }
  SECTION("too short for the length") {
    CHECK_THAT(parse_error({1, 2, 3}), Catch::Contains("bad.safetensors") && Catch::Contains("too short"));
  }
  SECTION("header length larger than the file") {
    CHECK_THAT(parse_error(st_file("{" + ok_entry + "}", 8, 1000)), Catch::Contains("larger than the rest of the file"));
  }
  SECTION("header length absurd") {
    CHECK_THAT(parse_error(st_file("{}", 0, ~uint64_t{0})), Catch::Contains("larger than the rest"));
  }
  SECTION("corrupted JSON") {
    CHECK_THAT(parse_error(st_file(R"({"w": {"dtype": "F32", "shape": [2], "data_off)", 8)),
               Catch::Contains("not valid JSON"));
  }
  SECTION("header not an object") {
    CHECK_THAT(parse_error(st_file("[1, 2]", 0)), Catch::Contains("must be a JSON object"));
  }
  SECTION("unknown dtype") {
    CHECK_THAT(parse_error(st_file(R"({"w": {"dtype": "F8_E4M3", "shape": [2], "data_offsets": [0, 2]}})", 2)),
               Catch::Contains("tensor 'w'") && Catch::Contains("unsupported dtype \"F8_E4M3\""));
  }
  SECTION("five dimensions") {
    CHECK_THAT(parse_error(st_file(R"({"v": {"dtype": "F32", "shape": [1,1,1,1,2], "data_offsets": [0, 8]}})", 8)),
               Catch::Contains("tensor 'v' has 5 dimensions") && Catch::Contains("at most 4"));
  }
  SECTION("negative or fractional dimension") {
    CHECK_THAT(parse_error(st_file(R"({"w": {"dtype": "F32", "shape": [-2], "data_offsets": [0, 8]}})", 8)),
               Catch::Contains("non-negative integer"));
    CHECK_THAT(parse_error(st_file(R"({"w": {"dtype": "F32", "shape": [2.5], "data_offsets": [0, 8]}})", 8)),
               Catch::Contains("non-negative integer"));
  }
  SECTION("missing fields") {
    CHECK_THAT(parse_error(st_file(R"({"w": {"shape": [2], "data_offsets": [0, 8]}})", 8)), Catch::Contains("\"dtype\""));
    CHECK_THAT(parse_error(st_file(R"({"w": {"dtype": "F32", "data_offsets": [0, 8]}})", 8)), Catch::Contains("\"shape\""));
    CHECK_THAT(parse_error(st_file(R"({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0]}})", 8)),
               Catch::Contains("data_offsets"));
    CHECK_THAT(parse_error(st_file(R"({"w": 3})", 0)), Catch::Contains("must be an object"));
  }
  SECTION("offsets past the data area") {
    CHECK_THAT(parse_error(st_file("{" + ok_entry + "}", 4)), Catch::Contains("run past the data area"));
  }
  SECTION("offsets not matching dtype x numel") {
    CHECK_THAT(parse_error(st_file(R"({"w": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}})", 8)),
               Catch::Contains("needs 12"));
  }
  SECTION("end before begin") {
    CHECK_THAT(parse_error(st_file(R"({"w": {"dtype": "F32", "shape": [0], "data_offsets": [8, 0]}})", 8)),
               Catch::Contains("end before begin"));
  }
  SECTION("overlapping tensors") {
    CHECK_THAT(parse_error(st_file(R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                                       "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}})", 12)),
               Catch::Contains("overlap"));
  }
  SECTION("a hole between tensors") {
    CHECK_THAT(parse_error(st_file(R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
                                       "b": {"dtype": "F32", "shape": [1], "data_offsets": [8, 12]}})", 12)),
               Catch::Contains("hole"));
  }
  SECTION("trailing bytes after the last tensor") {
    CHECK_THAT(parse_error(st_file("{" + ok_entry + "}", 12)), Catch::Contains("trailing"));
  }
  SECTION("the same name twice") {
    CHECK_THAT(parse_error(st_file("{" + ok_entry + ", " + ok_entry + "}", 8)), Catch::Contains("twice"));
  }
  SECTION("metadata values must be strings") {
    CHECK_THAT(parse_error(st_file(R"({"__metadata__": {"epoch": 3}})", 0)),
               Catch::Contains("__metadata__[\"epoch\"]"));
  }
}

TEST_CASE("safetensors out of order offsets and empty files are fine", "[io][safetensors]") {
  // Data order need not follow header order (the Python writer sorts by dtype, then name).
  const auto st = parse_safetensors(
      st_file(R"({"a": {"dtype": "I64", "shape": [], "data_offsets": [4, 12]},
                  "b": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}})", 12), "x");
  CHECK(st.tensors[0].name == "a");
  CHECK(st.tensors[0].tensor.ndim() == 0);
  CHECK(parse_safetensors(st_file("{}", 0), "x").tensors.empty());
}

TEST_CASE("a safetensors file cut anywhere gives an error, never a crash", "[io][safetensors]") {
  const auto full = hr::test::read_bytes(hr::test::io_fixture("python.safetensors"));
  for (size_t n = 0; n < full.size(); ++n) {
    const std::vector<uint8_t> cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
    INFO("cut at " << n);
    CHECK_THROWS_AS(parse_safetensors(cut, "cut.safetensors"), hr::Error);
  }
}
