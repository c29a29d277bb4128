// Internal: thin wrappers over the stb functions compiled (static) in stb_impl.cpp.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace hr::data::stb {
uint8_t* load_rgb(const uint8_t* data, size_t size, int* w, int* h);  // null on failure
void free_pixels(uint8_t* p);
const char* failure_reason();  // of this thread's last failed load
bool encode_png(const uint8_t* pixels, int w, int h, int c, std::vector<uint8_t>& out);
bool encode_jpeg(const uint8_t* pixels, int w, int h, int c, int quality,
                 std::vector<uint8_t>& out);
}  // namespace hr::data::stb
