// Region decoding must be invisible: the pixels it decodes equal a full decode's, and a sample
// built through it equals one built from the whole decoded image, bit for bit.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <zlib.h>
#include <string>
#include <vector>

#include "datasets/annotations/coco.h"
#include "datasets/image/affine.h"
#include "datasets/image/image.h"
#include "datasets/image/jpeg_region.h"
#include "datasets/image/jpeg_turbo.h"
#include "datasets/pipeline/sample.h"
#include "engine/error.h"
#include "engine/random.h"
#include "support/test_data.h"

namespace {

std::vector<std::string> fixture_jpegs() {
  std::vector<std::string> out;
  for (const char* sub : {"/coco-mini/images/val2017", "/mpii-mini/images"}) {
    const std::filesystem::path dir = hr::test::test_data_dir() + sub;
    for (const auto& e : std::filesystem::directory_iterator(dir))
      if (e.path().extension() == ".jpg") out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The region is exactly r (already clipped) and its pixels equal `full`'s.
void check_region(const hr::data::Image& full, const hr::data::ImageRegion& part,
                  hr::data::PixelRect r, const std::string& what) {
  INFO(what << " rect [" << r.x0 << "," << r.x1 << ")x[" << r.y0 << "," << r.y1 << ")");
  REQUIRE(part.full_width == full.width);
  REQUIRE(part.full_height == full.height);
  if (r.empty()) {
    CHECK(part.pixels.pixels.empty());
    return;
  }
  REQUIRE(part.x0 == r.x0);
  REQUIRE(part.y0 == r.y0);
  REQUIRE(part.pixels.width == r.x1 - r.x0);
  REQUIRE(part.pixels.height == r.y1 - r.y0);
  int64_t bad = 0;
  for (int y = r.y0; y < r.y1; ++y)
    for (int x = r.x0; x < r.x1; ++x)
      for (int c = 0; c < 3; ++c) bad += part.pixels.at(x - r.x0, y - r.y0, c) != full.at(x, y, c);
  CHECK(bad == 0);
}

}  // namespace

TEST_CASE("JPEG region decode equals the full decode inside the region", "[image][jpeg]") {
  if (!hr::data::jpeg_region_available()) {
    // Both come from libjpeg-turbo: a build with TurboJPEG and without the libjpeg API is a
    // packaging mistake (scripts/install-deps.sh installs both).
    REQUIRE_FALSE(hr::data::turbojpeg_available());
    WARN("no libjpeg in this build: region decoding is off");
    return;
  }
  const auto files = fixture_jpegs();
  REQUIRE(files.size() == 9);
  hr::Rng rng(20261125);
  for (const auto& f : files) {
    const auto bytes = hr::data::read_image_file(f);
    const auto full = hr::data::decode_image(f);  // TurboJPEG: the decoder of record
    const auto dims = hr::data::jpeg_region_size(bytes.data(), bytes.size());
    REQUIRE(dims.has_value());
    REQUIRE(dims->first == full.width);
    REQUIRE(dims->second == full.height);
    const int W = full.width, H = full.height;
    std::vector<hr::data::PixelRect> rects = {
        {0, 0, W, H},          {0, 0, 1, 1},           {W - 1, H - 1, W, H}, {-50, -50, W + 9, 3},
        {5, H - 7, 9, H + 40}, {W + 1, 0, W + 9, 9},  // outside: nothing decoded
        {17, 33, 18, 34},      {W / 2, 1, W / 2 + 1, H - 1}};
    for (int k = 0; k < 14; ++k) {
      const int x0 = int(rng.randint(W)), y0 = int(rng.randint(H));
      rects.push_back({x0, y0, x0 + 1 + int(rng.randint(W - x0)), y0 + 1 + int(rng.randint(H - y0))});
    }
    for (const auto& r : rects) {
      const auto part = hr::data::decode_jpeg_region(bytes.data(), bytes.size(), f, r);
      const hr::data::PixelRect clipped{std::max(r.x0, 0), std::max(r.y0, 0), std::min(r.x1, W),
                                        std::min(r.y1, H)};
      check_region(full, part, clipped, f);
    }
  }
}

TEST_CASE("JPEG region decode reports corrupt data inside the region", "[image][jpeg]") {
  if (!hr::data::jpeg_region_available()) return;
  const std::string f = hr::test::test_data_dir() + "/coco-mini/images/val2017/000000000785.jpg";
  auto bytes = hr::data::read_image_file(f);
  bytes.resize(bytes.size() / 2);  // the lower half of the image is missing
  const auto dims = hr::data::jpeg_region_size(bytes.data(), bytes.size());
  REQUIRE(dims.has_value());
  const hr::data::PixelRect all{0, 0, dims->first, dims->second};
  REQUIRE_THROWS_WITH(hr::data::decode_jpeg_region(bytes.data(), bytes.size(), f, all),
                      Catch::Contains("000000000785.jpg"));
  // Not a JPEG: no size, so the caller decodes whole (and reports there).
  const std::vector<uint8_t> png_magic = {0x89, 'P', 'N', 'G', 0, 0, 0, 0};
  CHECK_FALSE(hr::data::jpeg_region_size(png_magic.data(), png_magic.size()).has_value());
  CHECK_THROWS_WITH(hr::data::decode_jpeg_region(png_magic.data(), png_magic.size(), "x.png", all),
                    Catch::Contains("x.png"));
}

TEST_CASE("samples decoded by region equal samples of the whole image", "[image][jpeg][pipeline]") {
  const std::string root = hr::test::test_data_dir() + "/coco-mini";
  const auto db = hr::data::load_coco_gt(root, "val2017", {192, 256}).db;
  REQUIRE(db.size() >= 10);
  hr::data::SampleOptions o;  // the official 256x192 sizes
  o.rot_factor = 45;
  o.scale_factor = 0.35;
  o.prob_half_body = 0.3;
  std::vector<float> in_a(o.input_floats()), in_b(o.input_floats()), t_a(o.target_floats()),
      t_b(o.target_floats()), w_a(17), w_b(17);
  int flipped = 0;
  for (const bool train : {false, true}) {
    o.train = train;
    for (size_t i = 0; i < db.size(); ++i) {
      for (uint64_t seed = 0; seed < (train ? 6u : 1u); ++seed) {
        hr::Rng ra(seed * 1000 + i), rb(seed * 1000 + i);
        const auto a = hr::data::make_sample(db[i], o, train ? &ra : nullptr,
                                             {in_a.data(), t_a.data(), w_a.data()});
        const auto b = hr::data::make_sample(db[i], hr::data::decode_image(db[i].image), o,
                                             train ? &rb : nullptr, {in_b.data(), t_b.data(), w_b.data()});
        INFO(db[i].image << " train " << train << " seed " << seed);
        REQUIRE(a.meta.flipped == b.meta.flipped);
        flipped += a.meta.flipped;
        CHECK(a.meta.center == b.meta.center);
        CHECK(a.meta.scale == b.meta.scale);
        CHECK(a.meta.joints == b.meta.joints);
        CHECK(in_a == in_b);
        CHECK(t_a == t_b);
        CHECK(w_a == w_b);
      }
    }
  }
  CHECK(flipped > 10);  // both branches of the flip were exercised
}

#if __has_include(<turbojpeg.h>)
#include <turbojpeg.h>

TEST_CASE("JPEG region decode is exact for every chroma subsampling, baseline and progressive",
          "[image][jpeg]") {
  if (!hr::data::jpeg_region_available()) return;
  // A textured image with odd sizes: noise over gradients, so that chroma varies per pixel.
  const int W = 203, H = 157;
  std::vector<uint8_t> px(size_t(W) * H * 3);
  hr::Rng rng(7);
  for (int y = 0; y < H; ++y)
    for (int x = 0; x < W; ++x)
      for (int c = 0; c < 3; ++c)
        px[(size_t(y) * W + x) * 3 + c] =
            uint8_t((x * (c + 1) + y * (3 - c)) / 2 % 200 + rng.randint(56));
  int cases = 0;
  for (const int samp : {TJSAMP_444, TJSAMP_422, TJSAMP_420, TJSAMP_440, TJSAMP_411, TJSAMP_GRAY})
    for (const int progressive : {0, 1}) {
      // A fresh compressor each time: TurboJPEG 2.1 keeps the progressive scan script in a
      // reused handle, and the next "baseline" file comes out malformed.
      tjhandle enc = tjInitCompress();
      REQUIRE(enc != nullptr);
      unsigned char* jpeg = nullptr;
      unsigned long size = 0;
      REQUIRE(tjCompress2(enc, px.data(), W, 0, H, TJPF_RGB, &jpeg, &size, samp, 85,
                          progressive ? TJFLAG_PROGRESSIVE : 0) == 0);
      const std::vector<uint8_t> bytes(jpeg, jpeg + size);
      tjFree(jpeg);
      tjDestroy(enc);
      const std::string name = "samp" + std::to_string(samp) + (progressive ? "p" : "b");
      const auto full = hr::data::decode_image_memory(bytes.data(), bytes.size(), name + " (full)");
      for (int k = 0; k < 25; ++k) {
        const int x0 = int(rng.randint(W)), y0 = int(rng.randint(H));
        const hr::data::PixelRect r{x0, y0, x0 + 1 + int(rng.randint(W - x0)),
                                    y0 + 1 + int(rng.randint(H - y0))};
        check_region(full, hr::data::decode_jpeg_region(bytes.data(), bytes.size(), name, r), r,
                     name);
      }
      ++cases;
    }
  CHECK(cases == 12);
}
#endif

TEST_CASE("warp_normalize of a region equals the full warp, and refuses a region too small",
          "[image][affine]") {
  hr::data::Image full(61, 47, 3);
  hr::Rng rng(5);
  for (auto& v : full.pixels) v = uint8_t(rng.randint(256));
  // A crop partly outside the image (reads the border), rotated.
  const auto M = hr::data::get_affine_transform({20.0, 30.0}, {0.2, 0.25}, 17.0, 24, 32);
  std::vector<float> a(24 * 32 * 3), b(24 * 32 * 3, -1.0f);
  hr::data::warp_normalize(full, M, 24, 32, a.data());
  // The crop (40 x 50 pixels about (20, 30), rotated) reads x < 50 and all rows.
  auto region_of = [&](int x0, int y0, int x1, int y1) {
    hr::data::ImageRegion r;
    r.full_width = full.width;
    r.full_height = full.height;
    r.x0 = x0;
    r.y0 = y0;
    r.pixels = hr::data::Image(x1 - x0, y1 - y0, 3);
    for (int y = y0; y < y1; ++y)
      for (int x = x0; x < x1; ++x)
        for (int c = 0; c < 3; ++c) r.pixels.at(x - x0, y - y0, c) = full.at(x, y, c);
    return r;
  };
  hr::data::warp_normalize(region_of(0, 0, 55, 47), M, 24, 32, b.data());
  CHECK(a == b);
  // Flipping the region and the picture agree.
  hr::data::Image flipped = full;
  hr::data::flip_horizontal(flipped);
  auto r = region_of(10, 0, 61, 47);  // mirrored: [0, 51)
  hr::data::flip_horizontal(r);
  CHECK(r.x0 == 0);
  hr::data::warp_normalize(flipped, M, 24, 32, a.data());
  hr::data::warp_normalize(r, M, 24, 32, b.data());
  CHECK(a == b);
  // A region that misses pixels the crop reads is an error, not a silent black patch.
  CHECK_THROWS_WITH(hr::data::warp_normalize(region_of(15, 20, 25, 40), M, 24, 32, b.data()),
                    Catch::Contains("outside the decoded region"));
}

TEST_CASE("our JPEG decode gives OpenCV's pixels on every fixture image", "[image][jpeg]") {
  // tests/reference/make_decode_checksums.py: cv2.imread + BGR->RGB of the same files.
  if (!hr::data::turbojpeg_available()) return;  // stb's IDCT differs from libjpeg's
  std::ifstream f(std::string(HRNET_DECODE_FIXTURES) + "/opencv_rgb_crc32.json");
  REQUIRE(f.good());
  const auto j = nlohmann::json::parse(f);
  int n = 0;
  for (const auto& [rel, e] : j["images"].items()) {
    const auto im = hr::data::decode_image(hr::test::test_data_dir() + "/" + rel);
    INFO(rel);
    REQUIRE(im.width == e["width"].get<int>());
    REQUIRE(im.height == e["height"].get<int>());
    const uLong crc = crc32(0L, im.pixels.data(), static_cast<uInt>(im.pixels.size()));
    int64_t sum = 0;
    for (const uint8_t v : im.pixels) sum += v;
    CHECK(sum == e["sum"].get<int64_t>());
    CHECK(crc == e["crc32"].get<uint64_t>());
    ++n;
  }
  CHECK(n == 9);
}
