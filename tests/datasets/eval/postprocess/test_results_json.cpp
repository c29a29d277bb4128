// The official results file: image ids from file names, the JSON layout pycocotools reads,
// and the atomic write.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <unistd.h>

#include "datasets/eval/postprocess/results_json.h"
#include "engine/error.h"

using namespace hr::data::post;
namespace fs = std::filesystem;

namespace {

PoseInstance one() {
  PoseInstance p;
  for (int j = 0; j < 17; ++j)
    p.keypoints.push_back({10.5f + j, 20.25f + j, 0.1f * static_cast<float>(j % 10)});
  p.center = {123.5, 456.25};
  p.scale = {1.5, 2.0};
  p.score = 0.8125;
  p.image_id = 397133;
  return p;
}

}  // namespace

TEST_CASE("image_id_from_path is the official int(path[-16:-4])", "[postprocess][results]") {
  CHECK(image_id_from_path("data/coco/images/val2017/000000397133.jpg") == 397133);
  CHECK(image_id_from_path("COCO_val2014_000000000042.jpg") == 42);
  CHECK(image_id_from_path("000000000001.png") == 1);
  CHECK(image_id_from_path("x/    12345678.jpg") == 12345678);  // int() strips blanks
  CHECK_THROWS_AS(image_id_from_path("images/val2017/person.jpg"), hr::Error);
  CHECK_THROWS_AS(image_id_from_path("x.jpg"), hr::Error);
  CHECK_THROWS_AS(image_id_from_path(""), hr::Error);
}

TEST_CASE("coco_results_text writes the official keys and values", "[postprocess][results]") {
  const std::vector<PoseInstance> v = {one(), one()};
  const std::string text = coco_results_text(v);
  const nlohmann::json j = nlohmann::json::parse(text);
  REQUIRE(j.is_array());
  REQUIRE(j.size() == 2);
  const auto& o = j[0];
  CHECK(o.size() == 6);
  CHECK(o["image_id"].get<int64_t>() == 397133);
  CHECK(o["category_id"].get<int>() == 1);
  CHECK(o["score"].get<double>() == 0.8125);
  CHECK(o["center"].get<std::vector<double>>() == std::vector<double>{123.5, 456.25});
  CHECK(o["scale"].get<std::vector<double>>() == std::vector<double>{1.5, 2.0});
  const auto kp = o["keypoints"].get<std::vector<double>>();
  REQUIRE(kp.size() == 51);
  for (int k = 0; k < 17; ++k) {
    CHECK(kp[3 * k] == 10.5 + k);
    CHECK(kp[3 * k + 1] == 20.25 + k);
    // the float score widened to double, as the official float32 -> float64
    CHECK(kp[3 * k + 2] == static_cast<double>(0.1f * static_cast<float>(k % 10)));
  }
  // sort_keys=True, indent=4: "category_id" is the first key, on its own 8-space line.
  CHECK(text.rfind("[\n    {\n        \"category_id\": 1,\n        \"center\": [", 0) == 0);
  CHECK(coco_results_text({}) == "[]");

  std::vector<PoseInstance> bad = {one()};
  bad[0].keypoints[3].x = std::numeric_limits<float>::quiet_NaN();
  CHECK_THROWS_AS(coco_results_text(bad), hr::Error);
}

TEST_CASE("write_coco_results replaces the file atomically", "[postprocess][results]") {
  const fs::path dir = fs::temp_directory_path() /
                       ("hrnet_results_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string path = (dir / "keypoints_val2017_results_0.json").string();
  {
    std::ofstream(path) << "old";
  }
  const std::vector<PoseInstance> v = {one()};
  write_coco_results(path, v);
  std::stringstream ss;
  ss << std::ifstream(path).rdbuf();
  CHECK(ss.str() == coco_results_text(v));
  // A failing write (non-finite value) leaves the previous file and no temporary behind.
  std::vector<PoseInstance> bad = v;
  bad[0].score = std::numeric_limits<double>::infinity();
  CHECK_THROWS_AS(write_coco_results(path, bad), hr::Error);
  std::stringstream again;
  again << std::ifstream(path).rdbuf();
  CHECK(again.str() == ss.str());
  CHECK(std::distance(fs::directory_iterator(dir), fs::directory_iterator{}) == 1);
  fs::remove_all(dir);
}
