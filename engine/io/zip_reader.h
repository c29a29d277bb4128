// ZipArchive: the read side of zip, as much as PyTorch's checkpoint files need.
//
// torch.save (PyTorch >= 1.6) writes a zip whose members are STORED, with each member's
// data aligned to 64 bytes through padding in the local header's extra field. We read the
// central directory (zip64 records included, for members or archives past 4 GiB), then
// locate each member's data through its local header. STORED members are returned as a view
// into the archive bytes (no copy); DEFLATE members are inflated with zlib. CRC-32 is
// checked on every read. Encrypted members, other compression methods and multi-disk
// archives are refused. Every offset and length is checked against the archive's size.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace hr::io {

struct ZipEntry {
  std::string name;
  uint16_t method = 0;  // 0 stored, 8 deflate
  uint16_t flags = 0;
  uint32_t crc32 = 0;
  uint64_t compressed_size = 0;
  uint64_t uncompressed_size = 0;
  uint64_t local_header_offset = 0;
};

// The bytes of one member: a view into the archive, or an inflated buffer that owns them.
class ZipData {
 public:
  ZipData() = default;
  ZipData(ZipData&&) = default;  // moving a vector keeps its buffer, so view_ stays valid
  ZipData& operator=(ZipData&&) = default;
  ZipData(const ZipData&) = delete;
  ZipData& operator=(const ZipData&) = delete;

  std::span<const uint8_t> bytes() const { return view_; }

 private:
  friend class ZipArchive;
  std::vector<uint8_t> owned_;
  std::span<const uint8_t> view_;
};

class ZipArchive {
 public:
  // Parses the central directory of `bytes`, which must outlive the archive. Errors name
  // `source`.
  ZipArchive(std::span<const uint8_t> bytes, std::string source);

  const std::vector<ZipEntry>& entries() const { return entries_; }
  const ZipEntry* find(std::string_view name) const;  // nullptr if absent
  ZipData read(const ZipEntry& entry) const;

 private:
  std::span<const uint8_t> bytes_;
  std::string source_;
  std::vector<ZipEntry> entries_;
  std::unordered_map<std::string, size_t> index_;  // name -> position in entries_
};

// True when `bytes` starts like a zip archive (a local header, or the end record of an
// empty archive).
bool looks_like_zip(std::span<const uint8_t> bytes);

}  // namespace hr::io
