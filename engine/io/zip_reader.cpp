#include "engine/io/zip_reader.h"

#include <zlib.h>

#include <algorithm>
#include <limits>

#include "engine/error.h"
#include "engine/io/byte_reader.h"

namespace hr::io {

namespace {

constexpr uint32_t kLocalHeaderSig = 0x04034b50;
constexpr uint32_t kCentralHeaderSig = 0x02014b50;
constexpr uint32_t kEndOfCentralDirSig = 0x06054b50;
constexpr uint32_t kZip64EndSig = 0x06064b50;
constexpr uint32_t kZip64LocatorSig = 0x07064b50;
constexpr uint16_t kZip64ExtraId = 0x0001;
constexpr size_t kEndRecordSize = 22;
constexpr size_t kZip64LocatorSize = 20;
constexpr size_t kCentralHeaderSize = 46;
constexpr size_t kLocalHeaderSize = 30;
constexpr size_t kMaxCommentSize = 0xffff;

struct Directory {
  uint64_t entry_count = 0;
  uint64_t size = 0;
  uint64_t offset = 0;
};

// Finds the end-of-central-directory record by scanning back over a possible comment.
size_t find_end_record(std::span<const uint8_t> bytes, const std::string& source) {
  HR_CHECK(bytes.size() >= kEndRecordSize,
           "{}: zip: file of {} bytes is too short for an end-of-central-directory record", source,
           bytes.size());
  const size_t last = bytes.size() - kEndRecordSize;
  const size_t first = last > kMaxCommentSize ? last - kMaxCommentSize : 0;
  for (size_t pos = last + 1; pos-- > first;) {
    if (load_le<uint32_t>(bytes.data() + pos) != kEndOfCentralDirSig) continue;
    // A real record's comment reaches exactly to the end of the file.
    const uint16_t comment_len = load_le<uint16_t>(bytes.data() + pos + 20);
    if (pos + kEndRecordSize + comment_len == bytes.size()) return pos;
  }
  fail("{}: zip: no end-of-central-directory record (truncated or not a zip file)", source);
}

Directory read_directory_location(std::span<const uint8_t> bytes, const std::string& source) {
  const size_t end_pos = find_end_record(bytes, source);
  ByteReader r(bytes, source, "zip end record");
  r.seek(end_pos + 4);
  const uint16_t disk = r.u16("disk number");
  const uint16_t cd_disk = r.u16("central directory disk");
  const uint16_t entries_here = r.u16("entries on this disk");
  const uint16_t entries_total = r.u16("entry count");
  const uint32_t cd_size = r.u32("central directory size");
  const uint32_t cd_offset = r.u32("central directory offset");

  Directory dir{entries_total, cd_size, cd_offset};
  const bool needs_zip64 = entries_total == 0xffff || cd_size == 0xffffffffu ||
                           cd_offset == 0xffffffffu;
  const bool has_locator = end_pos >= kZip64LocatorSize &&
      load_le<uint32_t>(bytes.data() + end_pos - kZip64LocatorSize) == kZip64LocatorSig;
  if (has_locator) {
    ByteReader loc(bytes, source, "zip64 locator");
    loc.seek(end_pos - kZip64LocatorSize + 4);
    loc.u32("zip64 end disk");
    const uint64_t end64_offset = loc.u64("zip64 end record offset");
    ByteReader e(bytes, source, "zip64 end record");
    e.seek(static_cast<size_t>(std::min<uint64_t>(end64_offset, bytes.size())));
    HR_CHECK(e.u32("signature") == kZip64EndSig, "{}: zip: bad zip64 end record signature at offset {}",
             source, end64_offset);
    e.skip(8 + 2 + 2, "record size and versions");
    const uint32_t disk64 = e.u32("disk number");
    const uint32_t cd_disk64 = e.u32("central directory disk");
    const uint64_t here64 = e.u64("entries on this disk");
    dir.entry_count = e.u64("entry count");
    dir.size = e.u64("central directory size");
    dir.offset = e.u64("central directory offset");
    HR_CHECK(disk64 == 0 && cd_disk64 == 0 && here64 == dir.entry_count,
             "{}: zip: multi-disk archives are not supported", source);
  } else {
    HR_CHECK(!needs_zip64, "{}: zip: end record says zip64 but there is no zip64 locator", source);
    HR_CHECK(disk == 0 && cd_disk == 0 && entries_here == entries_total,
             "{}: zip: multi-disk archives are not supported", source);
  }
  HR_CHECK(dir.offset <= bytes.size() && dir.size <= bytes.size() - dir.offset,
           "{}: zip: central directory [{}, +{}) lies outside the file ({} bytes)", source,
           dir.offset, dir.size, bytes.size());
  HR_CHECK(dir.entry_count <= dir.size / kCentralHeaderSize,
           "{}: zip: {} entries cannot fit a central directory of {} bytes", source,
           dir.entry_count, dir.size);
  return dir;
}

// Replaces the 0xffffffff placeholders of `e` from a zip64 extended-information field.
void apply_zip64_extra(ZipEntry& e, std::span<const uint8_t> extra, bool size32_full,
                       bool csize32_full, bool offset32_full, const std::string& source) {
  ByteReader x(extra, source, "zip extra field");
  while (x.remaining() >= 4) {
    const uint16_t id = x.u16("extra id");
    const uint16_t len = x.u16("extra length");
    Bytes body = x.take(len, "extra body");
    if (id != kZip64ExtraId) continue;
    ByteReader z(body, source, "zip64 extra field");
    // The field lists only the values whose 32-bit slots are full, in this order.
    if (size32_full) e.uncompressed_size = z.u64("zip64 uncompressed size");
    if (csize32_full) e.compressed_size = z.u64("zip64 compressed size");
    if (offset32_full) e.local_header_offset = z.u64("zip64 local header offset");
    return;
  }
  HR_CHECK(!(size32_full || csize32_full || offset32_full),
           "{}: zip: entry '{}' needs a zip64 extra field but has none", source, e.name);
}

}  // namespace

bool looks_like_zip(std::span<const uint8_t> bytes) {
  if (bytes.size() < 4) return false;
  const uint32_t sig = load_le<uint32_t>(bytes.data());
  return sig == kLocalHeaderSig || sig == kEndOfCentralDirSig;
}

ZipArchive::ZipArchive(std::span<const uint8_t> bytes, std::string source)
    : bytes_(bytes), source_(std::move(source)) {
  const Directory dir = read_directory_location(bytes_, source_);
  ByteReader r(bytes_.subspan(dir.offset, dir.size), source_, "zip central directory");
  entries_.reserve(dir.entry_count);
  for (uint64_t i = 0; i < dir.entry_count; ++i) {
    HR_CHECK(r.u32("signature") == kCentralHeaderSig,
             "{}: zip: bad central directory signature for entry {}", source_, i);
    r.skip(4, "versions");
    ZipEntry e;
    e.flags = r.u16("flags");
    e.method = r.u16("method");
    r.skip(4, "time and date");
    e.crc32 = r.u32("crc32");
    const uint32_t csize = r.u32("compressed size");
    const uint32_t usize = r.u32("uncompressed size");
    const uint16_t name_len = r.u16("name length");
    const uint16_t extra_len = r.u16("extra length");
    const uint16_t comment_len = r.u16("comment length");
    r.skip(2 + 2 + 4, "disk and attributes");
    const uint32_t offset = r.u32("local header offset");
    e.name = r.string(name_len, "entry name");
    const Bytes extra = r.take(extra_len, "extra field");
    r.skip(comment_len, "entry comment");
    e.compressed_size = csize;
    e.uncompressed_size = usize;
    e.local_header_offset = offset;
    apply_zip64_extra(e, extra, usize == 0xffffffffu, csize == 0xffffffffu, offset == 0xffffffffu,
                      source_);
    index_.emplace(e.name, entries_.size());  // the first of duplicate names wins
    entries_.push_back(std::move(e));
  }
}

const ZipEntry* ZipArchive::find(std::string_view name) const {
  auto it = index_.find(std::string(name));
  return it == index_.end() ? nullptr : &entries_[it->second];
}

ZipData ZipArchive::read(const ZipEntry& e) const {
  HR_CHECK((e.flags & 1) == 0, "{}: zip: entry '{}' is encrypted", source_, e.name);
  HR_CHECK(e.method == 0 || e.method == 8,
           "{}: zip: entry '{}' uses compression method {} (only stored and deflate are supported)",
           source_, e.name, e.method);
  HR_CHECK(e.local_header_offset <= bytes_.size(),
           "{}: zip: entry '{}' has local header offset {} past the end of the file ({} bytes)",
           source_, e.name, e.local_header_offset, bytes_.size());
  ByteReader r(bytes_, source_, "zip local header");
  r.seek(static_cast<size_t>(e.local_header_offset));
  r.require(kLocalHeaderSize, "local header of '" + e.name + "'");
  HR_CHECK(r.u32("signature") == kLocalHeaderSig, "{}: zip: entry '{}': bad local header signature",
           source_, e.name);
  r.skip(22, "local header fields");
  const uint16_t name_len = r.u16("name length");
  const uint16_t extra_len = r.u16("extra length");
  // The local extra field can differ from the central one (torch pads it for alignment).
  r.skip(static_cast<size_t>(name_len) + extra_len, "local name and extra field");
  HR_CHECK(e.compressed_size <= r.remaining(),
           "{}: zip: entry '{}' ({} bytes at offset {}) runs past the end of the file (truncated?)",
           source_, e.name, e.compressed_size, r.offset());
  const Bytes raw = r.take(static_cast<size_t>(e.compressed_size), "entry data");

  ZipData out;
  if (e.method == 0) {
    HR_CHECK(e.compressed_size == e.uncompressed_size,
             "{}: zip: stored entry '{}' has compressed size {} != size {}", source_, e.name,
             e.compressed_size, e.uncompressed_size);
    out.view_ = raw;
  } else {
    // Deflate can expand at most ~1032:1; anything claiming more is a lie, and we must not
    // allocate what a corrupt header asks for.
    HR_CHECK(e.uncompressed_size <= e.compressed_size * 1032 + 1024,
             "{}: zip: entry '{}' claims {} bytes from {} compressed", source_, e.name,
             e.uncompressed_size, e.compressed_size);
    out.owned_.resize(static_cast<size_t>(e.uncompressed_size));
    z_stream zs{};
    HR_CHECK(inflateInit2(&zs, -MAX_WBITS) == Z_OK, "{}: zip: zlib init failed", source_);
    zs.next_in = const_cast<Bytef*>(raw.data());
    zs.next_out = out.owned_.data();
    // zlib counts in uInt; feed it in chunks so members past 4 GiB work too.
    size_t in_left = raw.size(), out_left = out.owned_.size();
    int rc = Z_OK;
    while (rc == Z_OK) {
      const uInt in_chunk = static_cast<uInt>(std::min<size_t>(in_left, 1u << 30));
      const uInt out_chunk = static_cast<uInt>(std::min<size_t>(out_left, 1u << 30));
      zs.avail_in = in_chunk;
      zs.avail_out = out_chunk;
      rc = inflate(&zs, Z_NO_FLUSH);
      in_left -= in_chunk - zs.avail_in;
      out_left -= out_chunk - zs.avail_out;
      if (rc == Z_OK && in_chunk == zs.avail_in && out_chunk == zs.avail_out) rc = Z_BUF_ERROR;
    }
    inflateEnd(&zs);
    HR_CHECK(rc == Z_STREAM_END && out_left == 0,
             "{}: zip: entry '{}': corrupt deflate data (zlib code {}, {} of {} bytes produced)",
             source_, e.name, rc, out.owned_.size() - out_left, out.owned_.size());
    out.view_ = out.owned_;
  }
  // crc32_z takes a size_t length, so one call covers any member size.
  const uint32_t crc = static_cast<uint32_t>(crc32_z(0, out.view_.data(), out.view_.size()));
  HR_CHECK(crc == e.crc32, "{}: zip: entry '{}': CRC-32 mismatch (stored {:08x}, computed {:08x})",
           source_, e.name, e.crc32, crc);
  return out;
}

}  // namespace hr::io
