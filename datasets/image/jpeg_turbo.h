// JPEG decoding through libjpeg-turbo's TurboJPEG API, when it was found at configure time:
// the decoder OpenCV (and so the official code) uses, with the accurate integer DCT and fancy
// upsampling that cv2.imread uses, and about twice as fast as stb_image on COCO photos
// (2.2-2.6 vs 4.6-5.2 ms for a 640x425 image on the dev box). One decompressor per thread.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "datasets/image/image.h"

namespace hr::data {

bool turbojpeg_available();
// Decodes a JPEG to RGB; a warning (e.g. a truncated file) is an error too: a corrupt image
// must not train silently. Throws hr::Error naming `name`.
Image decode_jpeg_turbo(const uint8_t* data, size_t size, const std::string& name);

}  // namespace hr::data
