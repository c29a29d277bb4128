// The one translation unit holding the stb_image / stb_image_write implementations.
//
// We compile them here rather than linking Debian's libstb.so: the functions are `static`
// (STB_IMAGE_STATIC / STB_IMAGE_WRITE_STATIC), so they cannot clash with another copy linked
// elsewhere in the process, the binaries do not depend on libstb.so at run time (only the
// header package is needed), only the JPEG and PNG decoders are built, and stb's failure
// reason is thread-local (stb >= 2.26 default), which matters because the loader decodes on
// several threads. image.cpp reaches them through the small wrappers below.
#include "datasets/image/stb_impl.h"

#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_JPEG
#define STBI_ONLY_PNG
#define STBI_NO_STDIO
#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STBI_WRITE_NO_STDIO

#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wall"
#pragma GCC diagnostic ignored "-Wextra"
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wsign-compare"
#endif
#include <stb_image.h>
#include <stb_image_write.h>
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

namespace hr::data::stb {

uint8_t* load_rgb(const uint8_t* data, size_t size, int* w, int* h) {
  if (size > static_cast<size_t>(INT32_MAX)) return nullptr;
  int comp = 0;
  return stbi_load_from_memory(data, static_cast<int>(size), w, h, &comp, 3);
}

void free_pixels(uint8_t* p) { stbi_image_free(p); }

const char* failure_reason() {
  const char* r = stbi_failure_reason();
  return r ? r : "unknown error";
}

namespace {
void append(void* ctx, void* data, int size) {
  auto* out = static_cast<std::vector<uint8_t>*>(ctx);
  const auto* p = static_cast<const uint8_t*>(data);
  out->insert(out->end(), p, p + size);
}
}  // namespace

bool encode_png(const uint8_t* pixels, int w, int h, int c, std::vector<uint8_t>& out) {
  return stbi_write_png_to_func(append, &out, w, h, c, pixels, w * c) != 0;
}

bool encode_jpeg(const uint8_t* pixels, int w, int h, int c, int quality,
                 std::vector<uint8_t>& out) {
  return stbi_write_jpg_to_func(append, &out, w, h, c, pixels, quality) != 0;
}

}  // namespace hr::data::stb
