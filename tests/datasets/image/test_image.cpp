#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include <unistd.h>

#include "datasets/image/image.h"
#include "engine/error.h"
#include "support/test_data.h"

namespace fs = std::filesystem;
using hr::data::Image;

namespace {

struct TempDir {
  fs::path path;
  TempDir() : path(fs::temp_directory_path() / ("hrnet_image_test_" + std::to_string(::getpid()))) {
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

std::vector<char> read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const fs::path& p, const char* data, size_t n) {
  std::ofstream out(p, std::ios::binary);
  out.write(data, static_cast<std::streamsize>(n));
}

Image pattern(int w, int h) {
  Image im(w, h);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      im.at(x, y, 0) = static_cast<uint8_t>(x * 7);
      im.at(x, y, 1) = static_cast<uint8_t>(y * 11);
      im.at(x, y, 2) = static_cast<uint8_t>((x * y) ^ 0x5a);
    }
  return im;
}

const fs::path coco_dir() { return fs::path(hr::test::test_data_dir()) / "coco-mini"; }

}  // namespace

TEST_CASE("decode_image reads the COCO fixtures at their annotated size", "[image][decode]") {
  const fs::path ann = coco_dir() / "annotations" / "person_keypoints_val2017.json";
  std::ifstream in(ann);
  REQUIRE(in);
  const auto j = nlohmann::json::parse(in);
  int checked = 0;
  for (const auto& entry : j.at("images")) {
    const fs::path file = coco_dir() / "images" / "val2017" / entry.at("file_name").get<std::string>();
    if (!fs::exists(file)) continue;
    INFO(file.string());
    const Image im = hr::data::decode_image(file.string());
    CHECK(im.width == entry.at("width").get<int>());
    CHECK(im.height == entry.at("height").get<int>());
    CHECK(im.channels == 3);
    CHECK(im.pixels.size() == static_cast<size_t>(im.width) * im.height * 3);
    ++checked;
    if (checked == 2) break;  // keep the test fast
  }
  CHECK(checked == 2);
}

TEST_CASE("PNG write/read round trip is exact, a JPEG round trip is close", "[image][encode]") {
  TempDir dir;
  const Image im = pattern(23, 17);
  const std::string png = (dir.path / "a.png").string();
  hr::data::write_png(png, im);
  const Image back = hr::data::decode_image(png);
  CHECK(back.width == 23);
  CHECK(back.height == 17);
  CHECK(back.pixels == im.pixels);

  Image flat(16, 16);
  std::fill(flat.pixels.begin(), flat.pixels.end(), 120);
  const std::string jpg = (dir.path / "b.jpg").string();
  hr::data::write_jpeg(jpg, flat, 95);
  const Image jb = hr::data::decode_image(jpg);
  REQUIRE(jb.pixels.size() == flat.pixels.size());
  for (size_t i = 0; i < jb.pixels.size(); ++i) CHECK(std::abs(jb.pixels[i] - 120) <= 2);

  // No temporary file is left beside the outputs.
  int files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir.path)) ++files;
  CHECK(files == 2);
  // An unwritable destination is an error naming it.
  const std::string bad = (dir.path / "no_such_dir" / "c.png").string();
  CHECK_THROWS_WITH(hr::data::write_png(bad, im), Catch::Contains(bad));
}

TEST_CASE("missing, empty and corrupt image files are errors naming the file", "[image][decode]") {
  TempDir dir;
  const std::string missing = (dir.path / "missing.jpg").string();
  CHECK_THROWS_AS(hr::data::decode_image(missing), hr::Error);
  CHECK_THROWS_WITH(hr::data::decode_image(missing), Catch::Contains(missing));

  const std::string empty = (dir.path / "empty.png").string();
  write_bytes(empty, "", 0);
  CHECK_THROWS_WITH(hr::data::decode_image(empty), Catch::Contains(empty));

  const std::string text = (dir.path / "text.jpg").string();
  write_bytes(text, "not an image at all", 19);
  CHECK_THROWS_WITH(hr::data::decode_image(text), Catch::Contains(text));

  // A PNG cut in half: stb's reason.
  const std::string png = (dir.path / "full.png").string();
  hr::data::write_png(png, pattern(40, 30));
  const auto bytes = read_bytes(png);
  const std::string cut_png = (dir.path / "cut.png").string();
  write_bytes(cut_png, bytes.data(), bytes.size() / 2);
  CHECK_THROWS_WITH(hr::data::decode_image(cut_png), Catch::Contains(cut_png));

  // A real JPEG cut in half, and one missing only its end-of-image marker.
  const fs::path jpg = coco_dir() / "images" / "val2017" / "000000000785.jpg";
  REQUIRE(fs::exists(jpg));
  const auto jbytes = read_bytes(jpg);
  const std::string cut_jpg = (dir.path / "cut.jpg").string();
  write_bytes(cut_jpg, jbytes.data(), jbytes.size() / 2);
  CHECK_THROWS_WITH(hr::data::decode_image(cut_jpg), Catch::Contains(cut_jpg));
  write_bytes(cut_jpg, jbytes.data(), jbytes.size() - 2);
  CHECK_THROWS_WITH(hr::data::decode_image(cut_jpg), Catch::Contains(cut_jpg));
  // Cut inside the header.
  write_bytes(cut_jpg, jbytes.data(), 100);
  CHECK_THROWS_WITH(hr::data::decode_image(cut_jpg), Catch::Contains(cut_jpg));
}

TEST_CASE("flip_horizontal mirrors columns, and twice is the identity", "[image][transforms]") {
  const Image im = pattern(5, 3);
  Image f = im;
  hr::data::flip_horizontal(f);
  for (int y = 0; y < 3; ++y)
    for (int x = 0; x < 5; ++x)
      for (int c = 0; c < 3; ++c) CHECK(f.at(x, y, c) == im.at(4 - x, y, c));
  hr::data::flip_horizontal(f);
  CHECK(f.pixels == im.pixels);
}
