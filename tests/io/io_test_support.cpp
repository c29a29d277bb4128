#include "io/io_test_support.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <iterator>
#include <random>

namespace hr::test {

namespace fs = std::filesystem;

fs::path io_fixture(const std::string& name) { return fs::path(HRNET_IO_FIXTURES_DIR) / name; }

std::vector<uint8_t> read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

const nlohmann::json& io_expected() {
  static const nlohmann::json j = [] {
    std::ifstream in(io_fixture("expected.json"));
    REQUIRE(in.good());
    return nlohmann::json::parse(in);
  }();
  return j;
}

void check_tensors(const io::NamedTensors& got, const nlohmann::json& expected) {
  REQUIRE(got.size() == expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    const auto& e = expected[i];
    const Tensor& t = got[i].tensor;
    INFO("tensor " << i << " '" << got[i].name << "' " << t.desc());
    CHECK(got[i].name == e["name"].get<std::string>());
    const std::vector<int64_t> shape = e["shape"].get<std::vector<int64_t>>();
    REQUIRE(t.ndim() == static_cast<int>(shape.size()));
    for (size_t d = 0; d < shape.size(); ++d) CHECK(t.size(static_cast<int>(d)) == shape[d]);
    const auto& values = e["values"];
    REQUIRE(t.numel() == static_cast<int64_t>(values.size()));
    const std::string dtype = e["dtype"];
    REQUIRE(std::string(dtype_name(t.dtype())) == dtype);
    // Exact comparisons: the fixtures' values are exactly representable in the loaded type.
    size_t mismatches = 0;
    for (size_t k = 0; k < values.size(); ++k) {
      if (dtype == "f32")
        mismatches += t.data<float>()[k] != static_cast<float>(values[k].get<double>());
      else if (dtype == "f64")
        mismatches += t.data<double>()[k] != values[k].get<double>();
      else
        mismatches += t.data<int64_t>()[k] != values[k].get<int64_t>();
    }
    CHECK(mismatches == 0);
  }
}

ScratchDir::ScratchDir() {
  std::random_device rd;
  path_ = fs::temp_directory_path() / ("hrnet_io_test_" + std::to_string(rd()) + std::to_string(rd()));
  fs::create_directories(path_);
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

}  // namespace hr::test
