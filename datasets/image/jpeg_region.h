// Decoding only the part of a JPEG that a crop reads. A training or evaluation sample reads a
// person's box (x1.25, scaled, rotated) out of a whole photo; libjpeg-turbo can skip the IDCT,
// upsampling and colour conversion of the rows above the box (entropy decoding only), never
// touch the rows below it, and crop the columns to whole iMCUs. The pixels it does produce are
// the ones a full decode gives (tested on every fixture image), so the crop is bit-identical.
//
// Only where it is exact and useful: baseline/progressive YCbCr or grayscale JPEGs with the
// libjpeg API present at build time (HRNET_WITH_LIBJPEG). Everything else decodes whole.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "datasets/image/image.h"

namespace hr::data {

// A half-open pixel rectangle [x0, x1) x [y0, y1).
struct PixelRect {
  int x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  bool empty() const { return x1 <= x0 || y1 <= y0; }
};

bool jpeg_region_available();

// Width and height from a JPEG's header, or nullopt when the bytes are not a JPEG this module
// can decode by region (then decode the whole image as usual).
std::optional<std::pair<int, int>> jpeg_region_size(const uint8_t* data, size_t size);

// Decodes `want` clipped to the image: the region's pixels equal a full decode's there. Rows
// below it are not decoded, so corruption there goes unnoticed; a warning inside the decoded
// part is an error. Throws hr::Error naming `name`.
ImageRegion decode_jpeg_region(const uint8_t* data, size_t size, const std::string& name,
                               PixelRect want);

}  // namespace hr::data
