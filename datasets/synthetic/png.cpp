// A minimal PNG encoder/decoder (8-bit RGB, non-interlaced) on top of zlib, so the synthetic
// writer needs no image library.
#include <zlib.h>

#include <cstring>
#include <cstdlib>

#include "datasets/synthetic/synth.h"
#include "engine/error.h"

namespace hr::data::synth {
namespace {

constexpr uint8_t kSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

void put_u32(std::vector<uint8_t>& out, uint32_t v) {
  out.push_back(uint8_t(v >> 24));
  out.push_back(uint8_t(v >> 16));
  out.push_back(uint8_t(v >> 8));
  out.push_back(uint8_t(v));
}

uint32_t get_u32(const uint8_t* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}

void put_chunk(std::vector<uint8_t>& out, const char type[4], const uint8_t* data, size_t n) {
  put_u32(out, uint32_t(n));
  const size_t start = out.size();
  out.insert(out.end(), type, type + 4);
  if (n) out.insert(out.end(), data, data + n);
  const uLong crc = crc32(0L, out.data() + start, uInt(n + 4));
  put_u32(out, uint32_t(crc));
}

int paeth(int a, int b, int c) {
  const int p = a + b - c;
  const int pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
  if (pa <= pb && pa <= pc) return a;
  return pb <= pc ? b : c;
}

struct Ihdr {
  int width, height, bit_depth, color_type, interlace;
};

Ihdr read_ihdr(const std::vector<uint8_t>& bytes) {
  HR_CHECK(bytes.size() >= 33 && std::memcmp(bytes.data(), kSignature, 8) == 0,
           "PNG: missing signature ({} bytes)", bytes.size());
  HR_CHECK(get_u32(bytes.data() + 8) == 13 && std::memcmp(bytes.data() + 12, "IHDR", 4) == 0,
           "PNG: first chunk is not IHDR");
  const uint8_t* d = bytes.data() + 16;
  return {int(get_u32(d)), int(get_u32(d + 4)), d[8], d[9], d[12]};
}

}  // namespace

std::vector<uint8_t> encode_png(const RgbImage& img, int zlib_level) {
  HR_CHECK(img.width > 0 && img.height > 0 &&
               img.pixels.size() == size_t(img.width) * size_t(img.height) * 3,
           "encode_png: bad image {}x{} with {} bytes", img.width, img.height, img.pixels.size());
  const size_t row = size_t(img.width) * 3;
  // Filter "Sub" on every row: cheap, and it helps the smooth gradients compress.
  std::vector<uint8_t> raw((row + 1) * size_t(img.height));
  for (int y = 0; y < img.height; ++y) {
    uint8_t* dst = raw.data() + size_t(y) * (row + 1);
    const uint8_t* src = img.pixels.data() + size_t(y) * row;
    dst[0] = 1;
    for (size_t i = 0; i < 3; ++i) dst[1 + i] = src[i];
    for (size_t i = 3; i < row; ++i) dst[1 + i] = uint8_t(src[i] - src[i - 3]);
  }
  uLongf zlen = compressBound(uLong(raw.size()));
  std::vector<uint8_t> z(zlen);
  const int rc = compress2(z.data(), &zlen, raw.data(), uLong(raw.size()), zlib_level);
  HR_CHECK(rc == Z_OK, "encode_png: zlib compress2 failed ({})", rc);

  std::vector<uint8_t> out(kSignature, kSignature + 8);
  out.reserve(zlen + 64);
  uint8_t ihdr[13];
  const uint32_t w = uint32_t(img.width), h = uint32_t(img.height);
  for (int i = 0; i < 4; ++i) {
    ihdr[i] = uint8_t(w >> (24 - 8 * i));
    ihdr[4 + i] = uint8_t(h >> (24 - 8 * i));
  }
  ihdr[8] = 8;   // bit depth
  ihdr[9] = 2;   // colour type RGB
  ihdr[10] = 0;  // deflate
  ihdr[11] = 0;  // adaptive filtering
  ihdr[12] = 0;  // no interlace
  put_chunk(out, "IHDR", ihdr, 13);
  put_chunk(out, "IDAT", z.data(), zlen);
  put_chunk(out, "IEND", nullptr, 0);
  return out;
}

std::array<int, 2> png_size(const std::vector<uint8_t>& bytes) {
  const Ihdr h = read_ihdr(bytes);
  return {h.width, h.height};
}

RgbImage decode_png(const std::vector<uint8_t>& bytes) {
  const Ihdr h = read_ihdr(bytes);
  HR_CHECK(h.bit_depth == 8 && h.color_type == 2 && h.interlace == 0,
           "decode_png: only 8-bit RGB non-interlaced PNGs (got depth {}, colour type {}, "
           "interlace {})",
           h.bit_depth, h.color_type, h.interlace);
  HR_CHECK(h.width > 0 && h.height > 0 && h.width <= (1 << 15) && h.height <= (1 << 15),
           "decode_png: bad size {}x{}", h.width, h.height);
  std::vector<uint8_t> z;
  size_t pos = 8;
  bool ended = false;
  while (pos + 12 <= bytes.size()) {
    const uint32_t n = get_u32(bytes.data() + pos);
    HR_CHECK(pos + 12 + size_t(n) <= bytes.size(), "decode_png: truncated chunk");
    const uint8_t* type = bytes.data() + pos + 4;
    const uLong crc = crc32(0L, type, uInt(n + 4));
    HR_CHECK(get_u32(type + 4 + n) == uint32_t(crc), "decode_png: CRC mismatch in chunk {}",
             std::string(reinterpret_cast<const char*>(type), 4));
    if (std::memcmp(type, "IDAT", 4) == 0) z.insert(z.end(), type + 4, type + 4 + n);
    if (std::memcmp(type, "IEND", 4) == 0) {
      ended = true;
      break;
    }
    pos += 12 + n;
  }
  HR_CHECK(ended, "decode_png: no IEND chunk");
  const size_t row = size_t(h.width) * 3;
  std::vector<uint8_t> raw((row + 1) * size_t(h.height));
  uLongf rawlen = uLongf(raw.size());
  const int rc = uncompress(raw.data(), &rawlen, z.data(), uLong(z.size()));
  HR_CHECK(rc == Z_OK && rawlen == raw.size(), "decode_png: inflate failed ({}, {} of {} bytes)",
           rc, rawlen, raw.size());

  RgbImage img{h.width, h.height, std::vector<uint8_t>(row * size_t(h.height))};
  for (int y = 0; y < h.height; ++y) {
    const uint8_t* src = raw.data() + size_t(y) * (row + 1);
    const int filter = src[0];
    ++src;
    uint8_t* dst = img.pixels.data() + size_t(y) * row;
    const uint8_t* up = y > 0 ? dst - row : nullptr;
    for (size_t i = 0; i < row; ++i) {
      const int a = i >= 3 ? dst[i - 3] : 0;
      const int b = up ? up[i] : 0;
      const int c = (up && i >= 3) ? up[i - 3] : 0;
      int pred = 0;
      switch (filter) {
        case 0: pred = 0; break;
        case 1: pred = a; break;
        case 2: pred = b; break;
        case 3: pred = (a + b) / 2; break;
        case 4: pred = paeth(a, b, c); break;
        default: fail("decode_png: bad filter type {} on row {}", filter, y);
      }
      dst[i] = uint8_t(src[i] + pred);
    }
  }
  return img;
}

}  // namespace hr::data::synth
