#include "datasets/image/jpeg_turbo.h"

#include "engine/error.h"

#if defined(HRNET_WITH_TURBOJPEG)
#include <turbojpeg.h>
#endif

namespace hr::data {

#if defined(HRNET_WITH_TURBOJPEG)
namespace {
struct Decompressor {
  tjhandle h = tjInitDecompress();
  ~Decompressor() {
    if (h) tjDestroy(h);
  }
};
}  // namespace

bool turbojpeg_available() { return true; }

Image decode_jpeg_turbo(const uint8_t* data, size_t size, const std::string& name) {
  thread_local Decompressor d;
  HR_CHECK(d.h != nullptr, "cannot decode image '{}': TurboJPEG failed to initialise", name);
  int w = 0, h = 0, subsamp = 0, colorspace = 0;
  if (tjDecompressHeader3(d.h, data, static_cast<unsigned long>(size), &w, &h, &subsamp, &colorspace) != 0)
    fail("cannot decode image '{}': {}", name, tjGetErrorStr2(d.h));
  Image im;
  im.width = w;
  im.height = h;
  im.channels = 3;
  im.pixels.resize(static_cast<size_t>(w) * h * 3);
  if (tjDecompress2(d.h, data, static_cast<unsigned long>(size), im.pixels.data(), w, 0, h, TJPF_RGB,
                    TJFLAG_ACCURATEDCT) != 0)
    fail("cannot decode image '{}': {}", name, tjGetErrorStr2(d.h));
  return im;
}
#else
bool turbojpeg_available() { return false; }
Image decode_jpeg_turbo(const uint8_t*, size_t, const std::string& name) {
  fail("cannot decode image '{}' with TurboJPEG: this build has no TurboJPEG", name);
}
#endif

}  // namespace hr::data
