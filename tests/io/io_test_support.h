// Helpers shared by the engine/io tests: fixture paths, whole-file reads, a scratch
// directory, and comparison against tests/fixtures/pth/expected.json.
#pragma once
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/error.h"
#include "engine/io/named_tensors.h"

namespace hr::test {

std::filesystem::path io_fixture(const std::string& name);  // tests/fixtures/pth/<name>
std::vector<uint8_t> read_bytes(const std::filesystem::path& path);
const nlohmann::json& io_expected();  // expected.json, parsed once

// Checks names, order, dtypes, shapes and every value (exactly) against an expected.json
// "tensors" array.
void check_tensors(const io::NamedTensors& got, const nlohmann::json& expected);

// A fresh directory under the system temp dir, removed with everything in it.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// The message of the hr::Error that `f` throws; fails the test if it throws nothing.
template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const hr::Error& e) {
    return e.what();
  }
  return "<no error thrown>";
}

}  // namespace hr::test
