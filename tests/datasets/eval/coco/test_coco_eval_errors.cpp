// Bad inputs: each is an hr::Error whose message names the file and the element / field.
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <unistd.h>

#include "coco_eval_test_support.h"
#include "datasets/eval/coco/coco_files.h"
#include "engine/error.h"

namespace ce = hr::data::cocoeval;
namespace fs = std::filesystem;
using namespace hr::test::cocoeval;
using Catch::Matchers::Contains;

namespace {

struct Tmp {
  fs::path dir = fs::temp_directory_path() / ("hrnet_coco_eval_" + std::to_string(::getpid()));
  Tmp() { fs::create_directories(dir); }
  ~Tmp() { fs::remove_all(dir); }
  std::string file(const std::string& name, const std::string& text) const {
    const std::string p = (dir / name).string();
    write_text(p, text);
    return p;
  }
};

std::string kpts(int n, const char* value = "1.5") {
  std::string s = "[";
  for (int i = 0; i < n; ++i) s += (i ? ", " : "") + std::string(value);
  return s + "]";
}

std::string gt_json(const std::string& annotation_extra = "") {
  return R"({"images": [{"id": 1}, {"id": 2}], "categories": [{"id": 1}], "annotations": [
    {"id": 5, "image_id": 1, "category_id": 1, "iscrowd": 0, "num_keypoints": 17, "area": 100,
     "bbox": [0, 0, 10, 10], "keypoints": )" + kpts(51) + annotation_extra + "}]}";
}

std::string result_json(const std::string& image_id, const std::string& keypoints, const std::string& extra = "") {
  return R"({"image_id": )" + image_id + R"(, "category_id": 1, "score": 0.5, "keypoints": )" + keypoints + extra + "}";
}

}  // namespace

TEST_CASE("COCO eval: missing files are named", "[coco_eval][errors]") {
  Tmp t;
  const std::string gt = t.file("gt.json", gt_json());
  CHECK_THROWS_WITH(ce::load_ground_truth((t.dir / "nope.json").string()), Contains("nope.json"));
  CHECK_THROWS_WITH(ce::load_eval_inputs(gt, (t.dir / "missing_results.json").string()),
                    Contains("missing_results.json"));
}

TEST_CASE("COCO eval: malformed JSON names file, line and byte", "[coco_eval][errors]") {
  Tmp t;
  const std::string gt = t.file("bad_gt.json", "{\"images\": [{\"id\": 1},\n {\"id\": 2,}]}");
  CHECK_THROWS_WITH(ce::load_ground_truth(gt), Contains("bad_gt.json") && Contains("line 2"));
  const std::string good_gt = t.file("gt.json", gt_json());
  const std::string res = t.file("bad_res.json", std::string("[") + result_json("1", kpts(51)) + ",]");
  CHECK_THROWS_WITH(ce::load_eval_inputs(good_gt, res), Contains("bad_res.json") && Contains("malformed JSON"));
  const std::string trailing = t.file("trailing.json", "[] x");
  CHECK_THROWS_WITH(ce::read_results(trailing), Contains("extra data"));
  const std::string number = t.file("number.json", std::string("[") + result_json("1", kpts(51, "1.e5")) + "]");
  CHECK_THROWS_WITH(ce::read_results(number), Contains("digit after '.'"));
  // Numbers of skipped fields are only scanned, but their grammar is still checked.
  const std::string skipped = t.file("skipped.json", std::string("[") + result_json("1", kpts(51), ", \"center\": [1.e5]") + "]");
  CHECK_THROWS_WITH(ce::read_results(skipped), Contains("skipped.json") && Contains("digit after '.'"));
  const std::string skipped_exp = t.file("skipped_exp.json", std::string("[") + result_json("1", kpts(51), ", \"scale\": 2e") + "]");
  CHECK_THROWS_WITH(ce::read_results(skipped_exp), Contains("digit in the exponent"));
}

TEST_CASE("COCO eval: results on images the GT lacks are refused", "[coco_eval][errors]") {
  Tmp t;
  const std::string gt = t.file("gt.json", gt_json());
  const std::string res =
      t.file("res.json", std::string("[") + result_json("1", kpts(51)) + ", " + result_json("999", kpts(51)) + "]");
  CHECK_THROWS_WITH(ce::load_eval_inputs(gt, res),
                    Contains("res.json") && Contains("results[1].image_id 999") && Contains("gt.json"));
}

TEST_CASE("COCO eval: keypoints must be 51 numbers", "[coco_eval][errors]") {
  Tmp t;
  const std::string short_kp = t.file("short.json", std::string("[") + result_json("1", kpts(50)) + "]");
  CHECK_THROWS_WITH(ce::read_results(short_kp),
                    Contains("short.json") && Contains("results[0].keypoints") && Contains("has 50 numbers, expected 51"));
  const std::string text_kp = t.file("text.json", std::string("[") + result_json("1", "[1, 2, \"x\"]") + "]");
  CHECK_THROWS_WITH(ce::read_results(text_kp), Contains("results[0].keypoints") && Contains("element 2"));
  Tmp t2;
  const std::string gt = t2.file("gt52.json", R"({"images": [{"id": 1}], "categories": [{"id": 1}], "annotations": [
    {"id": 5, "image_id": 1, "category_id": 1, "iscrowd": 0, "num_keypoints": 17, "area": 100,
     "bbox": [0, 0, 10, 10], "keypoints": )" + kpts(52) + "}]}");
  CHECK_THROWS_WITH(ce::load_ground_truth(gt), Contains("gt52.json") && Contains("annotations[0].keypoints"));
}

TEST_CASE("COCO eval: missing and mistyped fields are named", "[coco_eval][errors]") {
  Tmp t;
  const std::string no_score =
      t.file("no_score.json", R"([{"image_id": 1, "category_id": 1, "keypoints": )" + kpts(51) + "}]");
  CHECK_THROWS_WITH(ce::read_results(no_score), Contains("results[0] has no \"score\""));
  const std::string str_id = t.file("str_id.json", std::string("[") + result_json("\"1\"", kpts(51)) + "]");
  CHECK_THROWS_WITH(ce::read_results(str_id), Contains("results[0].image_id") && Contains("integer"));
  const std::string frac_id = t.file("frac_id.json", std::string("[") + result_json("1.5", kpts(51)) + "]");
  CHECK_THROWS_WITH(ce::read_results(frac_id), Contains("results[0].image_id"));
  const std::string obj = t.file("obj.json", "{\"annotations\": []}");
  CHECK_THROWS_WITH(ce::read_results(obj), Contains("not a JSON array"));
  const std::string seg = t.file("seg.json", std::string("[") + result_json("1", kpts(51), ", \"segmentation\": {}") + "]");
  CHECK_THROWS_WITH(ce::read_results(seg), Contains("only keypoint results"));

  const std::string gt_no_area = t.file("gt_no_area.json", R"({"images": [{"id": 1}], "categories": [{"id": 1}],
    "annotations": [{"id": 5, "image_id": 1, "category_id": 1, "iscrowd": 0, "num_keypoints": 0,
    "bbox": [0, 0, 1, 1], "keypoints": )" + kpts(51) + "}]}");
  CHECK_THROWS_WITH(ce::load_ground_truth(gt_no_area), Contains("annotations[0] has no \"area\""));
  const std::string gt_no_images = t.file("gt_no_images.json", R"({"categories": [{"id": 1}]})");
  CHECK_THROWS_WITH(ce::load_ground_truth(gt_no_images), Contains("no \"images\""));
  const std::string dup = t.file("dup.json", R"({"images": [{"id": 1}], "categories": [{"id": 1}], "annotations": [
    {"id": 5, "image_id": 1, "category_id": 1, "iscrowd": 0, "num_keypoints": 0, "area": 1, "bbox": [0, 0, 1, 1],
     "keypoints": )" + kpts(51) + R"(},
    {"id": 5, "image_id": 1, "category_id": 1, "iscrowd": 0, "num_keypoints": 0, "area": 1, "bbox": [0, 0, 1, 1],
     "keypoints": )" + kpts(51) + "}]}");
  CHECK_THROWS_WITH(ce::load_ground_truth(dup), Contains("annotations[1].id 5"));
  // A bbox on the first result makes loadRes use bboxes for all: one without is an error.
  const std::string gt = t.file("gt.json", gt_json());
  const std::string mixed = t.file("mixed.json", std::string("[") + result_json("1", kpts(51), ", \"bbox\": [0, 0, 2, 2]") +
                                                     ", " + result_json("1", kpts(51)) + "]");
  CHECK_THROWS_WITH(ce::load_eval_inputs(gt, mixed), Contains("results[1] has no \"bbox\""));
}

TEST_CASE("COCO eval: what Python's json accepts is accepted", "[coco_eval]") {
  Tmp t;
  // NaN / Infinity tokens, an integral float id (785.0 is Python's 785), escapes in strings,
  // unknown fields of any shape.
  const std::string res = t.file("ok.json", std::string("[") + result_json("2.0", kpts(51, "-1.25e1"),
                                                              R"(, "center": [1, -2.5e-3, NaN, -Infinity, 0], "note": "a\"b\u00e9", "x": null, "y": {"z": [true, false]})") +
                                                ", " + result_json("1", kpts(51, "NaN")) + "]");
  const auto r = ce::read_results(res);
  REQUIRE(r.size() == 2);
  CHECK(r[0].image_id == 2);
  CHECK(r[0].keypoints[50] == -12.5);
  CHECK(std::isnan(r[1].keypoints[0]));
}
