// float16 / bfloat16 widening, including the special values the fixtures cannot carry
// through JSON (inf, NaN).
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>

#include "engine/io/element_types.h"

using namespace hr::io;

TEST_CASE("half_to_float is exact for normals, subnormals and specials", "[io]") {
  CHECK(half_to_float(0x3c00) == 1.0f);
  CHECK(half_to_float(0xc000) == -2.0f);
  CHECK(half_to_float(0x7bff) == 65504.0f);                 // largest half
  CHECK(half_to_float(0x0400) == std::ldexp(1.0f, -14));    // smallest normal
  CHECK(half_to_float(0x0001) == std::ldexp(1.0f, -24));    // smallest subnormal
  CHECK(half_to_float(0x03ff) == std::ldexp(1023.0f, -24)); // largest subnormal
  CHECK(half_to_float(0x8001) == -std::ldexp(1.0f, -24));
  CHECK(std::isinf(half_to_float(0x7c00)));
  CHECK(half_to_float(0xfc00) < 0);
  CHECK(std::isnan(half_to_float(0x7e00)));
  const float neg_zero = half_to_float(0x8000);
  CHECK(neg_zero == 0.0f);
  CHECK(std::signbit(neg_zero));
}

TEST_CASE("half_to_float matches value arithmetic for every finite half", "[io]") {
  int bad = 0;
  for (uint32_t h = 0; h < 0x10000; ++h) {
    const uint32_t exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
    if (exp == 0x1f) continue;
    const float mag = exp == 0 ? std::ldexp(static_cast<float>(mant), -24)
                               : std::ldexp(static_cast<float>(mant | 0x400), static_cast<int>(exp) - 25);
    bad += half_to_float(static_cast<uint16_t>(h)) != ((h & 0x8000) ? -mag : mag);
  }
  CHECK(bad == 0);
}

TEST_CASE("bfloat16_to_float keeps the top half of a float", "[io]") {
  CHECK(bfloat16_to_float(0x3f80) == 1.0f);
  CHECK(bfloat16_to_float(0xc049) == -3.140625f);
  CHECK(std::isinf(bfloat16_to_float(0x7f80)));
}

TEST_CASE("convert_elements widens integers, honours strides and byte order", "[io]") {
  const int32_t src[4] = {-7, 1, 2147483647, -2147483647 - 1};
  int64_t dst[2];
  convert_elements(reinterpret_cast<const uint8_t*>(src), StoredType::i32, 2, 2, dst, false);
  CHECK(dst[0] == -7);
  CHECK(dst[1] == 2147483647);

  const uint8_t big_endian_one[4] = {0x3f, 0x80, 0x00, 0x00};  // 1.0f
  float f = 0;
  convert_elements(big_endian_one, StoredType::f32, 1, 1, &f, true);
  CHECK(f == 1.0f);

  const uint8_t bools[3] = {0, 1, 2};
  int64_t b[3];
  convert_elements(bools, StoredType::boolean, 3, 1, b, false);
  CHECK((b[0] == 0 && b[1] == 1 && b[2] == 1));
}
