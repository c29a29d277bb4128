#include "datasets/image/jpeg_region.h"

#include <algorithm>
#include <cstring>

#include "engine/error.h"

#if defined(HRNET_WITH_LIBJPEG)
#include <csetjmp>
#include <cstdio>  // jpeglib.h needs FILE
#include <jpeglib.h>
#endif

namespace hr::data {

#if defined(HRNET_WITH_LIBJPEG)
namespace {

// libjpeg reports errors through error_exit, which must not return: we longjmp back to the
// caller (no C++ objects with destructors live between setjmp and the libjpeg calls).
struct ErrorManager {
  jpeg_error_mgr pub;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

void on_error(j_common_ptr cinfo) {
  auto* err = reinterpret_cast<ErrorManager*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, err->message);
  std::longjmp(err->jump, 1);
}

// Warnings (corrupt data, premature end) stop decoding, as they do for the full decoder: a
// corrupt image must not train silently. Trace messages (level > 0) are ignored.
void on_message(j_common_ptr cinfo, int level) {
  if (level < 0) on_error(cinfo);
}

// A decompressor reading from memory, destroyed on every exit path.
struct Decoder {
  jpeg_decompress_struct cinfo{};
  ErrorManager err{};
  Decoder() {
    cinfo.err = jpeg_std_error(&err.pub);
    err.pub.error_exit = on_error;
    err.pub.emit_message = on_message;
    jpeg_create_decompress(&cinfo);
  }
  ~Decoder() { jpeg_destroy_decompress(&cinfo); }
  Decoder(const Decoder&) = delete;
  Decoder& operator=(const Decoder&) = delete;
};

bool region_decodable(const jpeg_decompress_struct& c) {
  return c.jpeg_color_space == JCS_YCbCr || c.jpeg_color_space == JCS_GRAYSCALE;
}

// The decoding proper; returns false with err.message set on a libjpeg error. Kept free of
// C++ objects with destructors so that longjmp out of it is well defined.
bool decode_rows(Decoder& d, const uint8_t* data, size_t size, const PixelRect& r, Image& out,
                 uint8_t* row_buf) {
  // `out` holds exactly r: row y of the image is out's row y - r.y0.
  jpeg_decompress_struct& c = d.cinfo;
  if (setjmp(d.err.jump)) return false;
  jpeg_mem_src(&c, data, static_cast<unsigned long>(size));
  jpeg_read_header(&c, TRUE);
  c.out_color_space = JCS_EXT_RGB;  // accurate DCT, fancy upsampling: libjpeg's defaults
  jpeg_start_decompress(&c);
  // Fancy (smooth) upsampling of subsampled chroma treats the edges of a cropped band as image
  // edges, so the outermost columns of a crop differ from a full decode's: decode one more
  // iMCU on each side and keep only the inside. Rows need no margin: jpeg_skip_scanlines keeps
  // the context rows the vertical upsampler reads (both checked in test_jpeg_region.cpp).
  const int margin = c.max_h_samp_factor * DCTSIZE;
  const int bx0 = std::max(0, r.x0 - margin);
  const int bx1 = std::min(static_cast<int>(c.output_width), r.x1 + margin);
  JDIMENSION xoff = static_cast<JDIMENSION>(bx0);
  JDIMENSION width = static_cast<JDIMENSION>(bx1 - bx0);
  jpeg_crop_scanline(&c, &xoff, &width);  // widened to whole iMCUs
  if (r.y0 > 0) jpeg_skip_scanlines(&c, static_cast<JDIMENSION>(r.y0));
  const size_t row_bytes = static_cast<size_t>(r.x1 - r.x0) * 3;
  const size_t skip = static_cast<size_t>(r.x0 - static_cast<int>(xoff)) * 3;
  for (int y = r.y0; y < r.y1; ++y) {
    JSAMPROW rows[1] = {row_buf};
    if (jpeg_read_scanlines(&c, rows, 1) != 1) {
      std::snprintf(d.err.message, sizeof d.err.message, "no scanline %d", y);
      return false;
    }
    std::memcpy(out.row(y - r.y0), row_buf + skip, row_bytes);
  }
  jpeg_abort_decompress(&c);  // the rows below are never needed
  return true;
}

}  // namespace

bool jpeg_region_available() { return true; }

std::optional<std::pair<int, int>> jpeg_region_size(const uint8_t* data, size_t size) {
  if (size < 3 || data[0] != 0xFF || data[1] != 0xD8 || data[2] != 0xFF) return std::nullopt;
  Decoder d;
  if (setjmp(d.err.jump)) return std::nullopt;  // let the full decoder report the error
  jpeg_mem_src(&d.cinfo, data, static_cast<unsigned long>(size));
  jpeg_read_header(&d.cinfo, TRUE);
  if (!region_decodable(d.cinfo)) return std::nullopt;
  return std::make_pair(static_cast<int>(d.cinfo.image_width),
                        static_cast<int>(d.cinfo.image_height));
}

ImageRegion decode_jpeg_region(const uint8_t* data, size_t size, const std::string& name,
                               PixelRect want) {
  const auto dims = jpeg_region_size(data, size);
  HR_CHECK(dims.has_value(), "cannot decode image '{}' by region: not a YCbCr or grayscale JPEG",
           name);
  const auto [w, h] = *dims;
  const PixelRect r{std::clamp(want.x0, 0, w), std::clamp(want.y0, 0, h), std::clamp(want.x1, 0, w),
                    std::clamp(want.y1, 0, h)};
  ImageRegion out;
  out.full_width = w;
  out.full_height = h;
  if (r.empty()) return out;  // the crop reads nothing inside the image
  out.x0 = r.x0;
  out.y0 = r.y0;
  out.pixels.width = r.x1 - r.x0;
  out.pixels.height = r.y1 - r.y0;
  out.pixels.channels = 3;
  out.pixels.pixels.resize(static_cast<size_t>(out.pixels.width) * out.pixels.height * 3);
  thread_local std::vector<uint8_t> row_buf;
  row_buf.resize(static_cast<size_t>(w) * 3 + 64);
  Decoder d;
  if (!decode_rows(d, data, size, r, out.pixels, row_buf.data()))
    fail("cannot decode image '{}': {}", name, d.err.message);
  return out;
}

#else

bool jpeg_region_available() { return false; }
std::optional<std::pair<int, int>> jpeg_region_size(const uint8_t*, size_t) { return std::nullopt; }
ImageRegion decode_jpeg_region(const uint8_t*, size_t, const std::string& name, PixelRect) {
  fail("cannot decode image '{}' by region: this build has no libjpeg", name);
}

#endif

}  // namespace hr::data
