// The registry's cache file: measurements of (device, registry format, op, shape) kept across
// processes, so each shape is checked and timed once per GPU model, not once per run.
//
//   {"kind": "hrnet kernel cache",
//    "entries": {
//      "NVIDIA H100 80GB HBM3 | registry 1 | conv_fwd | N32 64x48 32->32 K3 s1 fma": {
//        "chosen": "native_bf16",            // for readers; recomputed from "versions" on load
//        "versions": [...]                   // measurement_json.h
//      }, ...}}
//
// The device and format version are in the key, so another GPU, or a build whose registry
// measures differently, never reuses an entry (and entries of both live side by side in one file).
// A missing file is an empty cache. A file that is not such a JSON object is reported through
// `warn` (naming the file) and ignored; the next write replaces it. Writes go through a temporary
// file and a rename (io::write_file_atomic), after re-reading the file so that entries another
// process wrote meanwhile are kept. Failing to write is a warning, not an error: the choice still
// holds for this process.
#pragma once
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace hr::registry {

// Bumped whenever what a cached measurement means changes (tolerances, check data, timing).
constexpr int kRegistryFormat = 1;

using Warn = std::function<void(const std::string&)>;

std::string cache_key(const std::string& device, const std::string& op, const std::string& shape);

class CacheFile {
 public:
  // path empty: nothing is read or written (an in-memory registry).
  CacheFile(std::string path, Warn warn);

  const std::string& path() const { return path_; }
  // The entry stored under `key`, if any.
  std::optional<nlohmann::json> get(const std::string& key) const;
  // Stores `entry` under `key` and writes the file.
  void put(const std::string& key, nlohmann::json entry);

 private:
  // The file's entries object; nullopt (after a warning when `loud`) if it is absent or corrupt.
  std::optional<nlohmann::json> read(bool loud) const;

  std::string path_;
  Warn warn_;
  nlohmann::json entries_ = nlohmann::json::object();
};

}  // namespace hr::registry
