// ByteReader: bounded little-endian reads from an in-memory byte range.
//
// Every parser in engine/io reads untrusted files through this class, so that a truncated or
// lying file ends in an hr::Error naming the file and what was being read, never in an
// out-of-bounds read.
#pragma once
#include <bit>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

#include "engine/error.h"

namespace hr::io {

// The formats we read (safetensors, PyTorch storages, zip, pickle) are little-endian; we
// copy raw bytes straight into tensors, which is only right on a little-endian host.
static_assert(std::endian::native == std::endian::little, "engine/io assumes a little-endian host");

using Bytes = std::span<const uint8_t>;

class ByteReader {
 public:
  // `source` names the file in error messages; `what` names the structure being parsed.
  ByteReader(Bytes bytes, std::string_view source, std::string_view what)
      : bytes_(bytes), source_(source), what_(what) {}

  size_t offset() const { return pos_; }
  size_t size() const { return bytes_.size(); }
  size_t remaining() const { return bytes_.size() - pos_; }
  bool at_end() const { return pos_ == bytes_.size(); }

  void seek(size_t offset) {
    HR_CHECK(offset <= bytes_.size(), "{}: {}: offset {} is past the end ({} bytes)", source_, what_,
             offset, bytes_.size());
    pos_ = offset;
  }

  // Fails unless `n` more bytes are available; `field` says what they were meant to be.
  void require(size_t n, std::string_view field) const {
    HR_CHECK(n <= remaining(), "{}: {}: truncated: {} needs {} bytes at offset {}, only {} left",
             source_, what_, field, n, pos_, remaining());
  }

  Bytes take(size_t n, std::string_view field) {
    require(n, field);
    Bytes out = bytes_.subspan(pos_, n);
    pos_ += n;
    return out;
  }

  void skip(size_t n, std::string_view field) { take(n, field); }

  template <typename T>
  T read(std::string_view field) {
    static_assert(std::is_trivially_copyable_v<T>);
    T v;
    std::memcpy(&v, take(sizeof(T), field).data(), sizeof(T));
    return v;
  }

  uint8_t u8(std::string_view field) { return read<uint8_t>(field); }
  uint16_t u16(std::string_view field) { return read<uint16_t>(field); }
  uint32_t u32(std::string_view field) { return read<uint32_t>(field); }
  uint64_t u64(std::string_view field) { return read<uint64_t>(field); }
  int32_t i32(std::string_view field) { return read<int32_t>(field); }
  int64_t i64(std::string_view field) { return read<int64_t>(field); }

  std::string string(size_t n, std::string_view field) {
    Bytes b = take(n, field);
    return std::string(reinterpret_cast<const char*>(b.data()), b.size());
  }

  // Bytes up to (not including) the next '\n', which is consumed (pickle's text opcodes).
  std::string line(std::string_view field) {
    require(1, field);  // also keeps memchr away from an empty (possibly null) range
    const void* nl = std::memchr(bytes_.data() + pos_, '\n', remaining());
    HR_CHECK(nl != nullptr, "{}: {}: truncated: {} has no terminating newline (offset {})", source_,
             what_, field, pos_);
    const size_t n = static_cast<const uint8_t*>(nl) - (bytes_.data() + pos_);
    std::string s = string(n, field);
    ++pos_;
    return s;
  }

  std::string_view source() const { return source_; }

 private:
  Bytes bytes_;
  size_t pos_ = 0;
  std::string_view source_;
  std::string_view what_;
};

// std::byteswap is C++23; this is the 64-bit case we need (big-endian pickle floats, storage
// counts of big-endian legacy files).
constexpr uint64_t byteswap64(uint64_t v) {
  v = ((v & 0x00ff00ff00ff00ffull) << 8) | ((v >> 8) & 0x00ff00ff00ff00ffull);
  v = ((v & 0x0000ffff0000ffffull) << 16) | ((v >> 16) & 0x0000ffff0000ffffull);
  return (v << 32) | (v >> 32);
}

// Little-endian load from an unaligned address whose bounds the caller has checked.
template <typename T>
inline T load_le(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

}  // namespace hr::io
