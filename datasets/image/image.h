// Decoded 8-bit images: JPEG/PNG decoding (stb_image) and atomic PNG/JPEG writing.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace hr::data {

// Row-major, channels interleaved; decode_image always gives RGB (channels = 3).
struct Image {
  int width = 0;
  int height = 0;
  int channels = 3;
  std::vector<uint8_t> pixels;  // height * width * channels

  Image() = default;
  Image(int w, int h, int c = 3)
      : width(w), height(h), channels(c), pixels(static_cast<size_t>(w) * h * c, 0) {}
  uint8_t* row(int y) { return pixels.data() + static_cast<size_t>(y) * width * channels; }
  const uint8_t* row(int y) const {
    return pixels.data() + static_cast<size_t>(y) * width * channels;
  }
  uint8_t& at(int x, int y, int c) { return row(y)[x * channels + c]; }
  uint8_t at(int x, int y, int c) const { return row(y)[x * channels + c]; }
};

// A rectangle of a larger image: the pixels [x0, x0 + pixels.width) x [y0, y0 + pixels.height)
// of a full_width x full_height picture (what a crop reads of a JPEG: jpeg_region.h).
struct ImageRegion {
  Image pixels;
  int x0 = 0, y0 = 0;
  int full_width = 0, full_height = 0;
};
// The whole image as a region.
ImageRegion whole_region(Image image);
// Mirrors the full picture left-right (flip_horizontal below): the region's pixels are
// mirrored and it moves to the mirrored place, x0 -> full_width - (x0 + width).
void flip_horizontal(ImageRegion& region);

// Decodes a JPEG or PNG file to 3-channel RGB. EXIF orientation is ignored (stb_image never
// reads it), which matches the official cv2.imread(IMREAD_COLOR | IMREAD_IGNORE_ORIENTATION)
// followed by BGR->RGB. A missing, unreadable, corrupt or truncated file throws hr::Error
// naming the file and the reason (stb's, for undecodable data: a truncated JPEG fails with
// "expected marker", a truncated PNG with a zlib/IDAT error).
Image decode_image(const std::string& path);
// The same from bytes in memory; `name` is used in error messages.
Image decode_image_memory(const uint8_t* data, size_t size, const std::string& name);
// A file's bytes; a missing or unreadable file throws hr::Error naming it.
std::vector<uint8_t> read_image_file(const std::string& path);

// Mirrors the image left-right in place (the official flips the whole image, data[:, ::-1],
// before the crop; pair it with flip_joints and flip_center_x).
void flip_horizontal(Image& image);

// Writers: the file appears under `path` only when complete (written to a temporary name in
// the same directory, then renamed). Errors name the file.
void write_png(const std::string& path, const Image& image);
void write_jpeg(const std::string& path, const Image& image, int quality = 95);

}  // namespace hr::data
