#include "datasets/image/image.h"

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <utility>

#include <unistd.h>

#include "datasets/image/jpeg_turbo.h"
#include "datasets/image/stb_impl.h"
#include "engine/error.h"

namespace hr::data {
namespace {

std::vector<uint8_t> read_file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("cannot open image file '{}': {}", path, std::strerror(errno));
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  HR_CHECK(!in.bad(), "cannot read image file '{}'", path);
  return bytes;
}

void write_atomically(const std::string& path, const std::vector<uint8_t>& bytes) {
  static std::atomic<uint64_t> counter{0};
  const std::string tmp = path + ".tmp." + std::to_string(::getpid()) + "." +
                          std::to_string(counter.fetch_add(1));
  {
    std::FILE* f = std::fopen(tmp.c_str(), "wb");
    if (!f) fail("cannot create '{}' (writing image '{}'): {}", tmp, path, std::strerror(errno));
    const size_t written = std::fwrite(bytes.data(), 1, bytes.size(), f);
    const bool ok = written == bytes.size() && std::fflush(f) == 0;
    const int err = errno;
    const bool closed = std::fclose(f) == 0;
    if (!ok || !closed) {
      std::remove(tmp.c_str());
      fail("cannot write image file '{}': {}", path, std::strerror(err));
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::remove(tmp.c_str());
    fail("cannot rename '{}' to image file '{}': {}", tmp, path, ec.message());
  }
}

void check_writable(const std::string& path, const Image& im) {
  HR_CHECK(im.width > 0 && im.height > 0, "writing image '{}': empty image {}x{}", path, im.width,
           im.height);
  HR_CHECK(im.channels >= 1 && im.channels <= 4, "writing image '{}': {} channels (1 to 4 allowed)",
           path, im.channels);
  HR_CHECK(im.pixels.size() == static_cast<size_t>(im.width) * im.height * im.channels,
           "writing image '{}': {} pixel bytes for {}x{}x{}", path, im.pixels.size(), im.width,
           im.height, im.channels);
}

}  // namespace

Image decode_image_memory(const uint8_t* data, size_t size, const std::string& name) {
  HR_CHECK(size > 0, "cannot decode image '{}': the file is empty", name);
  // JPEG (FF D8 FF) goes to TurboJPEG where available: OpenCV's decoder, twice stb's speed.
  if (turbojpeg_available() && size >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF)
    return decode_jpeg_turbo(data, size, name);
  int w = 0, h = 0;
  std::unique_ptr<uint8_t, void (*)(uint8_t*)> px(stb::load_rgb(data, size, &w, &h),
                                                 stb::free_pixels);
  if (!px) fail("cannot decode image '{}': {}", name, stb::failure_reason());
  Image im;
  im.width = w;
  im.height = h;
  im.channels = 3;
  im.pixels.assign(px.get(), px.get() + static_cast<size_t>(w) * h * 3);
  return im;
}

std::vector<uint8_t> read_image_file(const std::string& path) { return read_file_bytes(path); }

Image decode_image(const std::string& path) {
  const std::vector<uint8_t> bytes = read_file_bytes(path);
  return decode_image_memory(bytes.data(), bytes.size(), path);
}

void flip_horizontal(Image& image) {
  const int c = image.channels;
  for (int y = 0; y < image.height; ++y) {
    uint8_t* r = image.row(y);
    for (int a = 0, b = image.width - 1; a < b; ++a, --b)
      for (int k = 0; k < c; ++k) std::swap(r[a * c + k], r[b * c + k]);
  }
}

ImageRegion whole_region(Image image) {
  ImageRegion r;
  r.full_width = image.width;
  r.full_height = image.height;
  r.pixels = std::move(image);
  return r;
}

void flip_horizontal(ImageRegion& region) {
  flip_horizontal(region.pixels);
  region.x0 = region.full_width - (region.x0 + region.pixels.width);
}

void write_png(const std::string& path, const Image& image) {
  check_writable(path, image);
  std::vector<uint8_t> bytes;
  HR_CHECK(stb::encode_png(image.pixels.data(), image.width, image.height, image.channels, bytes),
           "cannot encode PNG image '{}'", path);
  write_atomically(path, bytes);
}

void write_jpeg(const std::string& path, const Image& image, int quality) {
  check_writable(path, image);
  HR_CHECK(quality >= 1 && quality <= 100, "writing JPEG '{}': quality {} is outside [1, 100]", path,
           quality);
  std::vector<uint8_t> bytes;
  HR_CHECK(stb::encode_jpeg(image.pixels.data(), image.width, image.height, image.channels, quality,
                            bytes),
           "cannot encode JPEG image '{}'", path);
  write_atomically(path, bytes);
}

}  // namespace hr::data
