#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <set>

#include "datasets/record.h"
#include "datasets/synthetic/synth.h"
#include "engine/error.h"
#include "kernels/common/thread_pool.h"

namespace fs = std::filesystem;
namespace sy = hr::data::synth;
using nlohmann::json;

namespace {

std::vector<uint8_t> read_all(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  REQUIRE(f.good());
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

json read_json(const fs::path& p) {
  std::ifstream f(p);
  REQUIRE(f.good());
  return json::parse(f);
}

// A fresh scratch directory under the temp dir, removed at scope exit.
struct TempDir {
  fs::path path;
  explicit TempDir(const std::string& tag) {
    path = fs::temp_directory_path() / ("hrnet_synth_test_" + tag + "_" + std::to_string(::getpid()));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

sy::DatasetOptions small_options(uint64_t seed, int64_t n = 8) {
  sy::DatasetOptions o;
  o.num_images = n;
  o.seed = seed;
  o.val_fraction = 0.25;
  o.render.min_size = 160;
  o.render.max_size = 256;
  return o;
}

// Every file under root (relative path -> bytes).
std::map<std::string, std::vector<uint8_t>> snapshot(const fs::path& root) {
  std::map<std::string, std::vector<uint8_t>> m;
  for (const auto& e : fs::recursive_directory_iterator(root))
    if (e.is_regular_file()) m[fs::relative(e.path(), root).string()] = read_all(e.path());
  return m;
}

}  // namespace

TEST_CASE("synthetic: PNG encode/decode round trip", "[synthetic]") {
  sy::RgbImage img{37, 23, {}};
  img.pixels.resize(37 * 23 * 3);
  for (size_t i = 0; i < img.pixels.size(); ++i) img.pixels[i] = uint8_t((i * 7919u) >> 3);
  for (int level : {0, 1, 9}) {
    const auto png = sy::encode_png(img, level);
    CHECK(sy::png_size(png) == std::array<int, 2>{37, 23});
    const sy::RgbImage back = sy::decode_png(png);
    CHECK(back.width == 37);
    CHECK(back.height == 23);
    CHECK(back.pixels == img.pixels);
  }
  auto bad = sy::encode_png(img);
  bad[bad.size() / 2] ^= 0xFF;
  CHECK_THROWS_AS(sy::decode_png(bad), hr::Error);
}

TEST_CASE("synthetic: scenes are deterministic and labels are consistent", "[synthetic]") {
  sy::RenderOptions ro;
  ro.min_size = 200;
  ro.max_size = 320;
  int people = 0, hidden = 0, occluded = 0, back = 0, visible = 0;
  for (int64_t i = 0; i < 40; ++i) {
    const sy::Scene a = sy::render_scene(7, i, ro);
    const sy::Scene b = sy::render_scene(7, i, ro);
    REQUIRE(a.image.pixels == b.image.pixels);
    REQUIRE(a.people.size() == b.people.size());
    const int w = a.image.width, h = a.image.height;
    CHECK(w >= 200);
    CHECK(w <= 320);
    CHECK(a.image.pixels.size() == size_t(w) * size_t(h) * 3);
    for (const auto& p : a.people) {
      ++people;
      back += p.back_view;
      int nk = 0;
      for (const auto& k : p.keypoints) {
        if (k.v == 0) {
          ++hidden;
          CHECK(k.x == 0.0);
          CHECK(k.y == 0.0);
          continue;
        }
        ++nk;
        (k.v == 1 ? occluded : visible) += 1;
        CHECK(k.v <= 2);
        CHECK(k.x >= 0);
        CHECK(k.y >= 0);
        CHECK(k.x <= w - 1);
        CHECK(k.y <= h - 1);
        // The box holds every labelled keypoint.
        CHECK(k.x >= p.bbox[0]);
        CHECK(k.y >= p.bbox[1]);
        CHECK(k.x <= p.bbox[0] + p.bbox[2]);
        CHECK(k.y <= p.bbox[1] + p.bbox[3]);
      }
      CHECK(nk == p.num_keypoints);
      CHECK(nk > 0);
      CHECK(p.area > 0);
      CHECK(p.area <= p.bbox[2] * p.bbox[3]);
      CHECK(p.bbox[0] >= 0);
      CHECK(p.bbox[1] >= 0);
      CHECK(p.bbox[0] + p.bbox[2] <= w);
      CHECK(p.bbox[1] + p.bbox[3] <= h);
    }
  }
  // Variety: several people, some occlusion, some unlabelled points, some back views.
  CHECK(people >= 60);
  CHECK(occluded > 0);
  CHECK(hidden > 0);
  CHECK(back > 0);
  CHECK(visible > 10 * occluded / 2);
  // Different indices and seeds give different images.
  CHECK(sy::render_scene(7, 0, ro).image.pixels != sy::render_scene(7, 1, ro).image.pixels);
  CHECK(sy::render_scene(7, 0, ro).image.pixels != sy::render_scene(8, 0, ro).image.pixels);
}

TEST_CASE("synthetic: front views put left joints on the image right", "[synthetic]") {
  // Left/right follow the geometry, so horizontal flip + flip_pairs is consistent: for front
  // views the left shoulder is mostly right of the right shoulder, for back views left of it.
  int front_ok = 0, front_n = 0, back_ok = 0, back_n = 0;
  sy::RenderOptions ro;
  ro.min_size = ro.max_size = 256;
  ro.back_view_prob = 0.5;
  for (int64_t i = 0; i < 60; ++i) {
    for (const auto& p : sy::render_scene(3, i, ro).people) {
      const auto& l = p.keypoints[5];
      const auto& r = p.keypoints[6];
      if (l.v == 0 || r.v == 0) continue;
      if (p.back_view) {
        ++back_n;
        back_ok += l.x < r.x;
      } else {
        ++front_n;
        front_ok += l.x > r.x;
      }
    }
  }
  REQUIRE(front_n > 20);
  REQUIRE(back_n > 10);
  CHECK(front_ok > 0.8 * front_n);
  CHECK(back_ok > 0.8 * back_n);
}

TEST_CASE("synthetic: dataset in the COCO layout", "[synthetic]") {
  TempDir td("layout");
  const fs::path dir = td.path / "synth";
  const auto t0 = std::chrono::steady_clock::now();
  const sy::DatasetSummary sum = sy::write_dataset(dir.string(), small_options(11));
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
#ifdef NDEBUG  // optimised builds only (sanitizer builds are many times slower)
  CHECK(secs < 1.0);
#else
  (void)secs;
#endif
  CHECK(sum.train_images == 6);
  CHECK(sum.val_images == 2);
  // No temporary directory is left beside the dataset.
  int entries = 0;
  for (const auto& e : fs::directory_iterator(td.path)) {
    (void)e;
    ++entries;
  }
  CHECK(entries == 1);

  std::set<int64_t> all_ids;
  std::set<int64_t> ann_ids;
  for (bool val : {false, true}) {
    const json j = read_json(dir / sy::keypoints_json_path(val));
    REQUIRE(j.contains("images"));
    REQUIRE(j.contains("annotations"));
    REQUIRE(j.contains("categories"));
    const json& cat = j["categories"].at(0);
    CHECK(cat["id"] == 1);
    CHECK(cat["name"] == "person");
    REQUIRE(cat["keypoints"].size() == 17);
    CHECK(cat["keypoints"][0] == "nose");
    CHECK(cat["keypoints"][16] == "right_ankle");
    CHECK(cat["skeleton"].size() == 19);
    CHECK(int64_t(j["images"].size()) == (val ? sum.val_images : sum.train_images));
    CHECK(int64_t(j["annotations"].size()) == (val ? sum.val_people : sum.train_people));

    std::map<int64_t, std::pair<int, int>> sizes;
    for (const json& im : j["images"]) {
      const int64_t id = im["id"];
      CHECK(all_ids.insert(id).second);
      const int w = im["width"], h = im["height"];
      sizes[id] = {w, h};
      const fs::path file = dir / "images" / (val ? "val2017" : "train2017") / im["file_name"].get<std::string>();
      CHECK(im["file_name"].get<std::string>().size() == 16);
      REQUIRE(fs::exists(file));
      CHECK(file.string() == (dir / sy::image_path(val, id)).string());
      const auto bytes = read_all(file);
      CHECK(sy::png_size(bytes) == std::array<int, 2>{w, h});
      const sy::RgbImage img = sy::decode_png(bytes);
      CHECK(img.width == w);
      CHECK(img.height == h);
    }
    for (const json& a : j["annotations"]) {
      CHECK(ann_ids.insert(a["id"].get<int64_t>()).second);
      REQUIRE(sizes.count(a["image_id"].get<int64_t>()) == 1);
      const auto [w, h] = sizes[a["image_id"].get<int64_t>()];
      CHECK(a["category_id"] == 1);
      CHECK(a["iscrowd"] == 0);
      const json& bb = a["bbox"];
      REQUIRE(bb.size() == 4);
      const double bx = bb[0], by = bb[1], bw = bb[2], bh = bb[3];
      CHECK(bw > 0);
      CHECK(bh > 0);
      CHECK(a["area"].get<double>() > 0);
      const json& k = a["keypoints"];
      REQUIRE(k.size() == 51);
      int nk = 0;
      for (int i = 0; i < 17; ++i) {
        const double x = k[3 * i], y = k[3 * i + 1];
        const int v = k[3 * i + 2];
        if (v == 0) {
          CHECK(x == 0);
          CHECK(y == 0);
          continue;
        }
        ++nk;
        CHECK(x >= 0);
        CHECK(y >= 0);
        CHECK(x <= w - 1);
        CHECK(y <= h - 1);
        CHECK(x >= bx);
        CHECK(y >= by);
        CHECK(x <= bx + bw);
        CHECK(y <= by + bh);
      }
      CHECK(a["num_keypoints"] == nk);
    }
    if (val) {
      const json d = read_json(dir / sy::kDetectionsPath);
      REQUIRE(d.is_array());
      CHECK(int64_t(d.size()) == sum.detections);
      CHECK(int64_t(d.size()) >= sum.val_people);
      int high = 0;
      for (const json& det : d) {
        CHECK(sizes.count(det["image_id"].get<int64_t>()) == 1);
        CHECK(det["category_id"] == 1);
        CHECK(det["bbox"].size() == 4);
        const double s = det["score"];
        CHECK(s > 0);
        CHECK(s <= 1);
        high += s > 0.5;
      }
      CHECK(high == sum.val_people);
    }
  }
  CHECK(all_ids.size() == 8);
  // The output must be new or empty.
  CHECK_THROWS_AS(sy::write_dataset(dir.string(), small_options(11)), hr::Error);
}

TEST_CASE("synthetic: same seed gives byte-identical datasets, whatever the thread count",
          "[synthetic]") {
  TempDir td("determinism");
  const int saved = hr::kern::num_threads();
  hr::kern::set_num_threads(1);
  sy::write_dataset((td.path / "a").string(), small_options(5, 6));
  hr::kern::set_num_threads(3);
  sy::write_dataset((td.path / "b").string(), small_options(5, 6));
  sy::write_dataset((td.path / "c").string(), small_options(6, 6));
  hr::kern::set_num_threads(saved);
  const auto a = snapshot(td.path / "a"), b = snapshot(td.path / "b"), c = snapshot(td.path / "c");
  REQUIRE(a.size() == 6 + 3);
  CHECK(a == b);
  REQUIRE(c.size() == a.size());
  int differ = 0;
  for (const auto& [name, bytes] : a) differ += c.at(name) != bytes;
  CHECK(differ == int(a.size()));
}

TEST_CASE("synthetic: bad options are reported", "[synthetic]") {
  TempDir td("bad");
  auto o = small_options(1, 2);
  o.val_fraction = 1.5;
  CHECK_THROWS_AS(sy::write_dataset((td.path / "x").string(), o), hr::Error);
  o = small_options(1, 2);
  o.render.min_size = 300;
  o.render.max_size = 200;
  CHECK_THROWS_AS(sy::write_dataset((td.path / "y").string(), o), hr::Error);
  CHECK_FALSE(fs::exists(td.path / "y"));
  o = small_options(1, 0);
  CHECK_THROWS_AS(sy::write_dataset((td.path / "z").string(), o), hr::Error);
}
