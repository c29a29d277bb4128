// load_weights_file: format sniffing from the contents, and options across formats.
#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "engine/io/weights_file.h"
#include "io/io_test_support.h"

using namespace hr;
using namespace hr::io;
using hr::test::error_of;
using hr::test::io_fixture;

TEST_CASE("load_weights_file sniffs the format from the bytes, not the name", "[io][weights]") {
  hr::test::ScratchDir dir;
  // Copies with misleading extensions still load as what they are.
  const auto copy = [&](const std::string& from, const std::string& to) {
    std::filesystem::copy_file(io_fixture(from), dir / to);
    return (dir / to).string();
  };
  const LoadedWeights st = load_weights_file(copy("python.safetensors", "weights.pth"));
  CHECK(st.format == WeightsFormat::safetensors);
  hr::test::check_tensors(st.tensors, hr::test::io_expected()["python.safetensors"]["tensors"]);
  CHECK(st.metadata.at("format") == "pt");

  const LoadedWeights zip = load_weights_file(copy("checkpoint.pth", "checkpoint.safetensors"));
  CHECK(zip.format == WeightsFormat::pth_zip);
  CHECK(zip.state_dict_key == "state_dict");
  CHECK(zip.stripped_module_prefix);

  const LoadedWeights legacy = load_weights_file(copy("legacy.pth", "legacy.bin"));
  CHECK(legacy.format == WeightsFormat::pth_legacy);
  hr::test::check_tensors(legacy.tensors, hr::test::io_expected()["legacy.pth"]["tensors"]);
  CHECK(weights_format_name(legacy.format) == "pth (legacy)");
}

TEST_CASE("load_weights_file errors: unknown content, empty or missing file", "[io][weights]") {
  hr::test::ScratchDir dir;
  const auto text = (dir / "notes.pth").string();
  std::ofstream(text) << "these are not weights";
  CHECK_THAT(error_of([&] { load_weights_file(text); }),
             Catch::Contains("notes.pth") && Catch::Contains("first bytes: 74 68 65 73"));
  const auto empty = (dir / "empty.safetensors").string();
  std::ofstream(empty).close();
  CHECK_THAT(error_of([&] { load_weights_file(empty); }), Catch::Contains("(empty file)"));
  CHECK_THAT(error_of([&] { load_weights_file((dir / "absent.pth").string()); }),
             Catch::Contains("absent.pth: cannot open"));
}

TEST_CASE("a safetensors header length starting with 0x80 is not taken for a pickle", "[io][weights]") {
  // Pad the header with spaces to 0x180 bytes, so the first byte of the file is 0x80.
  const NamedTensors tensors{{"module.w", Tensor::from_vector<float>({2}, {1.f, 2.f})}};
  auto bytes = encode_safetensors(tensors);
  uint64_t len = 0;
  std::memcpy(&len, bytes.data(), 8);
  REQUIRE(len < 0x180);
  bytes.insert(bytes.begin() + 8 + static_cast<std::ptrdiff_t>(len), 0x180 - len, ' ');
  len = 0x180;
  std::memcpy(bytes.data(), &len, 8);
  REQUIRE(bytes[0] == 0x80);
  CHECK(detect_weights_format(bytes, "x") == WeightsFormat::safetensors);

  // The module. prefix is stripped for safetensors too; state_dict_key makes no sense there.
  const LoadedWeights w = load_weights(bytes, "x");
  CHECK(w.stripped_module_prefix);
  CHECK(w.tensors[0].name == "w");
  StateDictOptions keyed;
  keyed.state_dict_key = "state_dict";
  CHECK_THAT(error_of([&] { load_weights(bytes, "x.safetensors", keyed); }),
             Catch::Contains("one flat set of tensors"));
}
