// Whole-file access for the weight-file readers and writers.
//
// MappedFile maps a file read-only, so that a 250 MB checkpoint is not copied once into a
// buffer and once more into tensors. write_file_atomic never leaves a half-written file at
// the destination: it writes `<path>.tmp.<pid>`, flushes it to disk and renames it over.
#pragma once
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

namespace hr::io {

class MappedFile {
 public:
  explicit MappedFile(const std::string& path);  // throws hr::Error naming the path
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  std::span<const uint8_t> bytes() const { return {data_, size_}; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  bool mapped_ = false;  // false for an empty file (mmap of 0 bytes is an error)
};

// Receives chunks of the file being written.
using ByteSink = std::function<void(const void* data, size_t bytes)>;

// Calls `produce(sink)`, which writes the whole file content through `sink`, into a
// temporary file beside `path`, then renames it to `path`. If `produce` throws or any write
// fails, the temporary file is removed, `path` is untouched, and the error propagates.
void write_file_atomic(const std::string& path, const std::function<void(const ByteSink&)>& produce);
// The same for content already in memory (text or bytes).
void write_file_atomic(const std::string& path, std::string_view content);

}  // namespace hr::io
