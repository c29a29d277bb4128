#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "datasets/image/affine.h"
#include "engine/error.h"

using hr::data::Affine;
using hr::data::Image;

namespace {

void check_matrix(const Affine& m, const double (&want)[2][3], double tol) {
  for (int r = 0; r < 2; ++r)
    for (int c = 0; c < 3; ++c) {
      INFO("row " << r << " col " << c);
      CHECK(m.a[r][c] == Approx(want[r][c]).margin(tol));
    }
}

// Pseudo-random pixels from a 32-bit LCG (seed 12345): the same bytes the OpenCV reference
// script feeds cv2, so the fixture below stays reproducible.
Image lcg_image(int w, int h) {
  Image img(w, h);
  uint32_t state = 12345;
  for (auto& v : img.pixels) {
    state = state * 1664525u + 1013904223u;
    v = static_cast<uint8_t>(state >> 24);
  }
  return img;
}

}  // namespace

// Constants printed by tests/reference/affine_reference.py: cv2.getAffineTransform on the
// official three-point construction, center (100, 80), scale (1.2, 1.6), output 192x256.
// The official builds its points in float32, hence the 1e-5 tolerance at 30 degrees.
TEST_CASE("get_affine_transform matches the official cv2 construction", "[image][affine]") {
  const std::array<double, 2> c{100, 80}, s{1.2, 1.6};
  SECTION("rot 0: k = 192 / 240 = 0.8, translation (96, 128) - 0.8 c") {
    const double want[2][3] = {{0.8, 0.0, 16.0}, {0.0, 0.8, 64.0}};
    check_matrix(hr::data::get_affine_transform(c, s, 0, 192, 256), want, 1e-12);
  }
  SECTION("rot 90") {
    const double want[2][3] = {{0.0, 0.8, 32.0}, {-0.8, 0.0, 208.0}};
    check_matrix(hr::data::get_affine_transform(c, s, 90, 192, 256), want, 1e-12);
  }
  SECTION("rot 30") {
    const double want[2][3] = {{0.6928203094, 0.3999999938, -5.2820304494},
                               {-0.4000000065, 0.6928203221, 112.5743748821}};
    check_matrix(hr::data::get_affine_transform(c, s, 30, 192, 256), want, 1e-5);
  }
  SECTION("rot -45") {
    const double want[2][3] = {{0.5656854251, -0.5656854251, 84.6862914981},
                               {0.5656854251, 0.5656854251, 26.1766234831}};
    check_matrix(hr::data::get_affine_transform(c, s, -45, 192, 256), want, 1e-5);
  }
  SECTION("the centre maps to the crop centre, only scale[0] counts") {
    const auto m = hr::data::get_affine_transform({320.5, 211.25}, {2.0, 99.0}, 17, 48, 64);
    const auto p = m.apply(320.5, 211.25);
    CHECK(p[0] == Approx(24.0));
    CHECK(p[1] == Approx(32.0));
    CHECK(std::hypot(m.a[0][0], m.a[0][1]) == Approx(48.0 / 400.0));
  }
}

TEST_CASE("Affine apply then inverse is the identity", "[image][affine]") {
  const auto m = hr::data::get_affine_transform({123.4, 56.7}, {0.9, 1.2}, -37.5, 288, 384);
  const Affine inv = m.inverse();
  for (const auto& p : std::vector<std::array<double, 2>>{{0, 0}, {123.4, 56.7}, {-50, 700}}) {
    const auto q = inv.apply(m.apply(p));
    CHECK(q[0] == Approx(p[0]).margin(1e-9));
    CHECK(q[1] == Approx(p[1]).margin(1e-9));
  }
  Affine singular;
  singular.a[0][0] = singular.a[1][1] = 0;
  CHECK_THROWS_AS(singular.inverse(), hr::Error);
}

TEST_CASE("transform_preds is the inverse of the heatmap-sized transform at rot 0",
          "[image][affine]") {
  const std::array<double, 2> c{250.0, 170.0}, s{1.5, 2.0};
  const Affine inv = hr::data::get_affine_transform(c, s, 0, 48, 64).inverse();
  for (const auto& hm : std::vector<std::array<double, 2>>{{0, 0}, {24, 32}, {10.25, 50.75}}) {
    const auto a = hr::data::transform_preds(hm[0], hm[1], c, s, 48, 64);
    const auto b = inv.apply(hm);
    CHECK(a[0] == Approx(b[0]).margin(1e-9));
    CHECK(a[1] == Approx(b[1]).margin(1e-9));
  }
  // By hand: 200 * 1.5 / 48 = 6.25 image pixels per heatmap pixel, no half-pixel term.
  const auto p = hr::data::transform_preds(0, 0, c, s, 48, 64);
  CHECK(p[0] == Approx(250.0 - 24 * 6.25));
  CHECK(p[1] == Approx(170.0 - 32 * 6.25));
}

TEST_CASE("warp_affine: translation, scale, bilinear midpoint and black border",
          "[image][warp]") {
  SECTION("integer translation copies pixels, outside is 0") {
    Image src(4, 3);
    for (size_t i = 0; i < src.pixels.size(); ++i) src.pixels[i] = static_cast<uint8_t>(10 + i);
    Affine m;  // dst = src + (1, 2)
    m.a[0][2] = 1;
    m.a[1][2] = 2;
    const Image out = hr::data::warp_affine(src, m, 5, 5);
    REQUIRE(out.width == 5);
    REQUIRE(out.height == 5);
    for (int y = 0; y < 5; ++y)
      for (int x = 0; x < 5; ++x)
        for (int ch = 0; ch < 3; ++ch) {
          const int sx = x - 1, sy = y - 2;
          const int want = (sx >= 0 && sx < 4 && sy >= 0 && sy < 3) ? src.at(sx, sy, ch) : 0;
          INFO("x " << x << " y " << y << " c " << ch);
          CHECK(out.at(x, y, ch) == want);
        }
  }
  SECTION("2x upscale: midpoints blend, a sample half outside blends with black") {
    Image src(2, 1, 1);
    src.pixels = {0, 200};
    Affine m;
    m.a[0][0] = m.a[1][1] = 2;
    const Image out = hr::data::warp_affine(src, m, 4, 2);
    const std::vector<uint8_t> want{0, 100, 200, 100, 0, 50, 100, 50};
    CHECK(out.pixels == want);
  }
  SECTION("midpoint of 0 and 255 rounds to 128") {
    Image src(2, 2, 1);
    src.pixels = {0, 255, 0, 255};
    Affine m;
    m.a[0][2] = -0.5;  // output x = 0 samples source x = 0.5
    const Image out = hr::data::warp_affine(src, m, 1, 1);
    CHECK(out.pixels[0] == 128);
  }
  SECTION("a crop entirely outside the image is black") {
    Image src(8, 8);
    std::fill(src.pixels.begin(), src.pixels.end(), 255);
    Affine m;
    m.a[0][2] = 100;
    const Image out = hr::data::warp_affine(src, m, 6, 4);
    for (uint8_t v : out.pixels) CHECK(v == 0);
  }
}

TEST_CASE("warp_affine is within rounding of float bilinear, and warp_normalize fuses it",
          "[image][warp]") {
  const Image src = lcg_image(37, 29);
  const auto m = hr::data::get_affine_transform({18.0, 14.0}, {0.15, 0.2}, 30, 24, 32);
  const Image out = hr::data::warp_affine(src, m, 24, 32);
  const Affine inv = m.inverse();
  auto px = [&](int x, int y, int c) -> double {
    return (x >= 0 && y >= 0 && x < src.width && y < src.height) ? src.at(x, y, c) : 0.0;
  };
  int max_diff = 0;
  for (int y = 0; y < 32; ++y)
    for (int x = 0; x < 24; ++x) {
      const auto s = inv.apply(x, y);
      const int x0 = static_cast<int>(std::floor(s[0])), y0 = static_cast<int>(std::floor(s[1]));
      const double fx = s[0] - x0, fy = s[1] - y0;
      for (int c = 0; c < 3; ++c) {
        const double v = (1 - fx) * (1 - fy) * px(x0, y0, c) + fx * (1 - fy) * px(x0 + 1, y0, c) +
                         (1 - fx) * fy * px(x0, y0 + 1, c) + fx * fy * px(x0 + 1, y0 + 1, c);
        max_diff = std::max(max_diff, std::abs(static_cast<int>(std::lround(v)) - out.at(x, y, c)));
      }
    }
  // Source coordinates are quantised to 1/32 pixel (OpenCV <= 4.10): a few LSB off float.
  CHECK(max_diff <= 5);

  std::vector<float> hwc(24 * 32 * 3);
  hr::data::warp_normalize(src, m, 24, 32, hwc.data());
  const float mean[3] = {0.485f, 0.456f, 0.406f}, sd[3] = {0.229f, 0.224f, 0.225f};
  for (size_t i = 0; i < hwc.size(); ++i) {
    const int c = static_cast<int>(i % 3);
    const float want = (out.pixels[i] / 255.0f - mean[c]) / sd[c];
    REQUIRE(hwc[i] == want);
  }
  Image gray(4, 4, 1);
  CHECK_THROWS_AS(hr::data::warp_normalize(gray, m, 2, 2, hwc.data()), hr::Error);
}

// Bit-exact against cv2.warpAffine(INTER_LINEAR) of OpenCV 4.10 (the fixed-point path the
// official results were produced with); printed by tests/reference/affine_reference.py.
TEST_CASE("warp_affine equals OpenCV 4.10 warpAffine on a small crop with border",
          "[image][warp]") {
  const Image src = lcg_image(9, 7);
  const auto m = hr::data::get_affine_transform({4.3, 3.2}, {0.06, 0.06}, 30, 8, 6);
  const Image out = hr::data::warp_affine(src, m, 8, 6);
  const std::vector<uint8_t> want{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 44, 52, 57, 93, 111, 166, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 20, 1, 18, 154, 50, 179, 82, 221, 215, 107, 153, 138, 122, 52, 125, 0, 0, 0, 0, 0, 0, 103, 143, 31, 111, 118, 170, 65, 227, 131, 66, 52, 110, 150, 96, 133, 152, 79, 202, 6, 5, 14, 1, 1, 14, 56, 19, 172, 108, 172, 202, 89, 167, 62, 126, 196, 82, 142, 235, 165, 118, 124, 159, 50, 43, 46, 0, 0, 0, 85, 48, 95, 162, 229, 106, 145, 199, 151, 64, 140, 85, 60, 157, 118, 150, 180, 30, 14, 24, 12, 0, 0, 0, 0, 0, 0, 207, 143, 72, 107, 176, 102, 12, 82, 75, 82, 28, 5, 0, 0, 0, 0, 0, 0};
  CHECK(out.pixels == want);
  std::vector<float> hwc(8 * 6 * 3);
  hr::data::warp_normalize(src, m, 8, 6, hwc.data());
  CHECK(hwc[0] == Approx((0 - 0.485) / 0.229));
}
