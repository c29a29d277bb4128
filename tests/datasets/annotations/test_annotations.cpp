// COCO keypoints / detections and MPII annotation readers against the shared fixtures and
// small hand-written bad inputs. Expected fixture values come from
// tests/reference/coco_mini_expected.py (official rules, numpy float32 centre/scale).
#include <catch2/catch.hpp>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "datasets/annotations/coco.h"
#include "datasets/annotations/coco_bench.h"
#include "datasets/annotations/mpii.h"
#include "engine/error.h"
#include "support/test_data.h"

namespace fs = std::filesystem;
using hr::data::PoseRecord;
using Catch::Matchers::Contains;

namespace {

// A temporary folder removed at scope exit.
struct TempDir {
  fs::path dir;
  TempDir() {
    static int n = 0;
    dir = fs::temp_directory_path() / ("hrnet_ann_test_" + std::to_string(::getpid()) + "_" +
                                       std::to_string(n++));
    fs::create_directories(dir);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  std::string write(const std::string& name, const std::string& text) const {
    const fs::path p = dir / name;
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
  }
};

std::string kps(int v) {  // 17 keypoints all at (10, 20, v); v < 0: all zero
  if (v < 0) {
    std::string z = "[0";
    for (int i = 1; i < 51; ++i) z += ",0";
    return z + "]";
  }
  std::string s = "[";
  for (int j = 0; j < 17; ++j) {
    if (j) s += ',';
    s += "10,20,";
    s += std::to_string(v);
  }
  return s + "]";
}

std::string coco_json(const std::string& annotations) {
  return R"({"images":[{"id":1,"file_name":"a.jpg","width":100,"height":80},)"
         R"({"id":2,"file_name":"b.jpg","width":50,"height":50}],)"
         R"("categories":[{"id":1,"name":"person","supercategory":"person"}],)"
         R"("annotations":[)" +
         annotations + "]}";
}

std::string ann(const std::string& extra, int image_id = 1, const std::string& keypoints = kps(2),
                const std::string& bbox = "[10,10,20,40]") {
  return R"({"image_id":)" + std::to_string(image_id) + R"(,"category_id":1,"iscrowd":0,"area":100,)"
         R"("bbox":)" + bbox + R"(,"keypoints":)" + keypoints + extra + "}";
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const hr::Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("COCO GT records of coco-mini follow the official rules", "[annotations]") {
  const std::string root = hr::test::test_data_dir() + "/coco-mini";
  const auto set = hr::data::load_coco_gt(root, "val2017", {192, 256});
  // 14 annotations, none crowd; ids 1202706 and 508900 have all-zero keypoints -> 12 kept
  // (tests/reference/coco_mini_expected.py: "coco gt: annotations 14 kept 12").
  REQUIRE(set.num_annotations == 14);
  REQUIRE(set.db.size() == 12);
  REQUIRE(set.images.list.size() == 4);
  REQUIRE(set.categories.size() == 1);
  CHECK(set.categories[0].name == "person");
  CHECK(set.categories[0].keypoints.size() == 17);
  CHECK(set.categories[0].keypoints[5] == "left_shoulder");
  CHECK(set.categories[0].skeleton.size() == 19);
  const auto* im = set.images.find(196141);
  REQUIRE(im != nullptr);
  CHECK(im->width == 640);
  CHECK(im->height == 429);
  CHECK(im->file_name == "000000196141.jpg");
  CHECK(set.images.find(12345) == nullptr);

  // Order: images in file order (785, 40083, 196141, 197388), then annotations in file order.
  std::vector<int64_t> ids;
  for (const auto& r : set.db) ids.push_back(r.image_id);
  CHECK(ids == std::vector<int64_t>{785, 40083, 40083, 196141, 196141, 196141, 196141, 197388,
                                    197388, 197388, 197388, 197388});

  // Record 0 (annotation 442619, image 785 640x425), by hand: bbox [280.79,44.73,218.7,346.68]
  // -> clean x1=280.79 y1=44.73 x2=498.49 y2=390.41, w=217.7 h=345.68;
  // centre (389.64, 217.57); w < 0.75 h -> w = 259.26; scale (1.2963, 1.7284) * 1.25.
  const PoseRecord& r = set.db[0];
  CHECK(r.image == (fs::path(root) / "images" / "val2017" / "000000000785.jpg").string());
  CHECK(r.center[0] == Approx(389.64).epsilon(1e-6));
  CHECK(r.center[1] == Approx(217.57).epsilon(1e-6));
  CHECK(r.scale[0] == Approx(1.620375).epsilon(1e-6));
  CHECK(r.scale[1] == Approx(2.1605).epsilon(1e-6));
  // Bit-exact with the float32 values numpy stores.
  CHECK(r.center[0] == static_cast<double>(389.64f));
  CHECK(r.scale[1] == static_cast<double>(2.1605f));
  CHECK(r.area == Approx(27789.11055));
  CHECK(r.score == 1.0);
  REQUIRE(r.joints.size() == 17);
  REQUIRE(r.joints_vis.size() == 17);
  CHECK(r.joints[0] == std::array<double, 3>{367, 81, 0});
  CHECK(r.joints[16] == std::array<double, 3>{396, 341, 0});
  CHECK(r.joints_vis[0] == std::array<double, 3>{1, 1, 0});  // v=2 clamped to 1

  // Record 1 (annotation 198196): keypoint 3 unlabelled (0,0,0), keypoint 11 occluded (v=1).
  const PoseRecord& r1 = set.db[1];
  CHECK(r1.joints_vis[3] == std::array<double, 3>{0, 0, 0});
  CHECK(r1.joints_vis[11] == std::array<double, 3>{1, 1, 0});
  CHECK(r1.center[0] == Approx(124.935).epsilon(1e-6));
  CHECK(r1.scale[1] == Approx(1.4475833).epsilon(1e-6));

  // Record 11 (annotation 543117, x = 0.5): centre (45.05, 153.285), scale from python.
  CHECK(set.db[11].center[0] == Approx(45.05).epsilon(1e-6));
  CHECK(set.db[11].scale[0] == Approx(1.0269843).epsilon(1e-6));
  CHECK(set.db[11].scale[1] == Approx(1.3693125).epsilon(1e-6));
}

TEST_CASE("COCO detections of coco-mini", "[annotations]") {
  const std::string root = hr::test::test_data_dir() + "/coco-mini";
  const auto set = hr::data::load_coco_gt(root, "val2017", {192, 256});
  const std::string det =
      root + "/person_detection_results/COCO_val2017_detections_AP_H_56_person.json";
  // Counts from coco_mini_expected.py: 118 boxes with score >= 0, 18 with score >= 0.5.
  const auto all = hr::data::load_coco_detections(det, set.images, 0.0, {192, 256});
  REQUIRE(all.size() == 118);
  CHECK(hr::data::load_coco_detections(det, set.images, 0.5, {192, 256}).size() == 18);
  const PoseRecord& d = all[0];  // first entry: image 785, bbox [277.118.., 45.699.., 225.09.., 333.56..]
  CHECK(d.image_id == 785);
  CHECK(d.image == (fs::path(root) / "images" / "val2017" / "000000000785.jpg").string());
  CHECK(d.score == Approx(0.9999731779098511).epsilon(1e-12));
  CHECK(d.center[0] == Approx(389.66394).epsilon(1e-6));
  CHECK(d.center[1] == Approx(212.4798).epsilon(1e-6));
  CHECK(d.scale[0] == Approx(1.5635638).epsilon(1e-6));
  CHECK(d.scale[1] == Approx(2.0847516).epsilon(1e-6));
  CHECK(d.area == 0.0);
  REQUIRE(d.joints.size() == 17);
  CHECK(d.joints[4] == std::array<double, 3>{0, 0, 0});
  CHECK(d.joints_vis[4] == std::array<double, 3>{1, 1, 1});
}

TEST_CASE("MPII records of mpii-mini follow the official adjustments", "[annotations]") {
  const std::string root = hr::test::test_data_dir() + "/mpii-mini";
  const auto db = hr::data::load_mpii(root, "valid");
  REQUIRE(db.size() == 5);
  // Entry 0 (005808361.jpg), by hand: json center [966, 340], scale 4.718488 ->
  // cy = 340 + 15 * 4.718488 = 410.77732, scale = 4.718488 * 1.25 = 5.89811 (isotropic),
  // then centre - 1 = (965, 409.77732); joint 0 [804, 711] -> [803, 710].
  const PoseRecord& r = db[0];
  CHECK(r.image == (fs::path(root) / "images" / "005808361.jpg").string());
  CHECK(r.image_id == 0);
  CHECK(r.center[0] == Approx(965.0));
  CHECK(r.center[1] == Approx(409.77732));
  CHECK(r.scale[0] == Approx(5.89811));
  CHECK(r.scale[1] == Approx(5.89811));
  REQUIRE(r.joints.size() == 16);
  CHECK(r.joints[0] == std::array<double, 3>{803, 710, 0});
  CHECK(r.joints[9][0] == Approx(961.2409));
  CHECK(r.joints[9][1] == Approx(79.0306));
  CHECK(r.joints_vis[0] == std::array<double, 3>{1, 1, 0});
  // Entry 2: joint 0 unlabelled (-1,-1 in the json -> -2,-2), joints_vis 0.
  CHECK(db[2].joints[0] == std::array<double, 3>{-2, -2, 0});
  CHECK(db[2].joints_vis[0] == std::array<double, 3>{0, 0, 0});
  CHECK(db[2].scale[0] == Approx(3.92404125));
  CHECK(db[4].center[1] == Approx(453.62194));
}

TEST_CASE("COCO GT skips crowd, non-person, zero-keypoint and degenerate boxes", "[annotations]") {
  TempDir t;
  const std::string f = t.write(
      "ann.json",
      coco_json(ann("") + "," +                                               // kept
                R"({"image_id":1,"category_id":1,"iscrowd":1,"area":5,"bbox":[0,0,5,5]},)" +  // crowd
                R"({"image_id":2,"category_id":2,"iscrowd":0,"area":5,"bbox":[0,0,5,5]},)" +  // not person
                ann("", 2, kps(-1)) + "," +                // all-zero keypoints
                ann("", 2, kps(2), "[60,60,10,10]") + "," +  // outside the 50x50 image: x2 < x1
                ann(R"(,"segmentation":[[1,2,3,4]],"num_keypoints":17,"id":7)", 2) + "," +  // kept
                R"({"image_id":1,"category_id":1,"iscrowd":0,"area":0,"bbox":[1,1,5,5],"keypoints":)" +
                kps(1) + "}"));                                                        // area 0
  const auto set = hr::data::load_coco_keypoints(f, "imgs", {192, 256});
  CHECK(set.num_annotations == 7);
  REQUIRE(set.db.size() == 2);
  CHECK(set.db[0].image_id == 1);
  CHECK(set.db[1].image_id == 2);
  CHECK(set.db[0].image == (fs::path("imgs") / "a.jpg").string());
  // bbox [10,10,20,40] -> clean w 19, h 39: centre (19.5, 29.5); w < 0.75 h -> w = 29.25.
  CHECK(set.db[0].center[0] == Approx(19.5));
  CHECK(set.db[0].center[1] == Approx(29.5));
  CHECK(set.db[0].scale[0] == Approx(29.25 / 200 * 1.25).epsilon(1e-6));
  CHECK(set.db[0].scale[1] == Approx(39.0 / 200 * 1.25).epsilon(1e-6));
}

TEST_CASE("COCO GT records are ordered by image, then by annotation", "[annotations]") {
  TempDir t;
  // Annotations listed before images, image 2 first among the annotations.
  const std::string f = t.write(
      "ann.json", R"({"annotations":[)" + ann("", 2) + "," + ann("", 1) + "," + ann("", 2, kps(1)) +
                      R"(],"images":[{"id":1,"file_name":"a.jpg","width":100,"height":80},)"
                      R"({"id":2,"file_name":"b.jpg","width":50,"height":50}],"categories":[]})");
  const auto set = hr::data::load_coco_keypoints(f, "i", {288, 384});
  REQUIRE(set.db.size() == 3);
  CHECK(set.db[0].image_id == 1);
  CHECK(set.db[1].image_id == 2);
  CHECK(set.db[1].joints_vis[0][0] == 1.0);
  CHECK(set.db[2].image_id == 2);
}

TEST_CASE("COCO readers reject bad input with the file and the index", "[annotations]") {
  TempDir t;
  const hr::data::ImageSize sz{192, 256};
  auto load = [&](const std::string& text) {
    const std::string f = t.write("bad.json", text);
    return error_of([&] { hr::data::load_coco_keypoints(f, "i", sz); });
  };
  const std::string missing = (t.dir / "nope.json").string();
  CHECK_THAT(error_of([&] { hr::data::load_coco_keypoints(missing, "i", sz); }),
             Contains("nope.json") && Contains("cannot open"));

  // Malformed JSON: the byte offset is reported.
  const std::string bad = coco_json(ann("")).substr(0, 60) + "}}";
  CHECK_THAT(load(bad), Contains("bad.json") && Contains("malformed JSON at byte offset"));
  CHECK_THAT(load(R"({"images":[}]})"), Contains("byte offset 11"));  // the '}'
  CHECK_THAT(load("[]"), Contains("top level must be a JSON object"));
  CHECK_THAT(load(R"({"images":[],"categories":[]})"), Contains("'annotations' is missing"));
  CHECK_THAT(load(R"({"images":{},"annotations":[],"categories":[]})"),
             Contains("'images' must be an array"));
  CHECK_THAT(load(R"({"images":3,"annotations":[],"categories":[]})"),
             Contains("'images' must be an array"));

  // Field errors name the array, the index and the field.
  CHECK_THAT(load(coco_json(ann("") + "," + ann("", 1, "[1,2,3]"))),
             Contains("annotations[1]") && Contains("'keypoints' must have 51 values, got 3"));
  CHECK_THAT(load(coco_json(ann("", 1, kps(2), "[1,2,3]"))),
             Contains("annotations[0]") && Contains("'bbox' must have 4 values"));
  CHECK_THAT(load(coco_json(ann("", 1, kps(2), R"([1,2,"3",4])"))),
             Contains("annotations[0]") && Contains("bbox[2] must be a number, got string"));
  CHECK_THAT(load(coco_json(R"({"image_id":1,"iscrowd":0})")),
             Contains("annotations[0]") && Contains("'category_id' is missing"));
  CHECK_THAT(load(coco_json(R"({"image_id":"1","category_id":1,"iscrowd":0})")),
             Contains("'image_id' must be an integer, got string"));
  CHECK_THAT(load(coco_json(R"({"image_id":1.5,"category_id":1,"iscrowd":0})")),
             Contains("'image_id' must be an integer, got a float"));
  CHECK_THAT(load(coco_json(R"({"image_id":1,"category_id":1,"iscrowd":0,"bbox":[0,0,1,1],"keypoints":[]})")),
             Contains("'area' is missing"));
  CHECK_THAT(load(coco_json(ann("") + ",5")), Contains("annotations[1] must be a JSON object"));
  CHECK_THAT(load(coco_json(ann("", 9))),
             Contains("annotations[0]") && Contains("image_id 9 is not listed"));
  CHECK_THAT(load(R"({"images":[{"id":1,"file_name":"a.jpg","width":10}],"annotations":[],"categories":[]})"),
             Contains("images[0]") && Contains("'height' is missing"));
  CHECK_THAT(load(R"({"images":[{"id":1,"file_name":"a.jpg","width":10,"height":10},)"
                  R"({"id":1,"file_name":"b.jpg","width":10,"height":10}],"annotations":[],"categories":[]})"),
             Contains("images[1]") && Contains("duplicate image id 1"));
  CHECK_THAT(load(R"({"images":[],"annotations":[],"categories":[{"id":1}]})"),
             Contains("categories[0]") && Contains("'name' is missing"));
}

TEST_CASE("COCO detections: threshold, category and bad entries", "[annotations]") {
  TempDir t;
  const std::string a = t.write("ann.json", coco_json(""));
  const auto set = hr::data::load_coco_keypoints(a, "imgs", {192, 256});
  const std::string d = t.write(
      "det.json", R"([{"image_id":1,"category_id":1,"bbox":[10,10,30,40],"score":0.9},)"
                  R"({"image_id":2,"category_id":1,"bbox":[0,0,5,5],"score":0.1},)"
                  R"({"image_id":2,"category_id":3,"bbox":[0,0,5,5],"score":0.99}])");
  const auto all = hr::data::load_coco_detections(d, set.images, 0.0, {192, 256});
  REQUIRE(all.size() == 2);
  // Raw box, no cleaning: centre (25, 30); w = 30 = 0.75 * 40 -> unchanged; scale x1.25.
  CHECK(all[0].center == std::array<double, 2>{25, 30});
  CHECK(all[0].scale[0] == Approx(30.0 / 200 * 1.25));
  CHECK(all[0].scale[1] == Approx(40.0 / 200 * 1.25));
  CHECK(all[0].score == Approx(0.9));
  CHECK(all[1].image == (fs::path("imgs") / "b.jpg").string());
  CHECK(hr::data::load_coco_detections(d, set.images, 0.1, {192, 256}).size() == 2);
  CHECK(hr::data::load_coco_detections(d, set.images, 0.5, {192, 256}).size() == 1);

  auto err = [&](const std::string& text) {
    const std::string f = t.write("bad_det.json", text);
    return error_of([&] { hr::data::load_coco_detections(f, set.images, 0.0, {192, 256}); });
  };
  CHECK_THAT(err(R"([{"image_id":1,"category_id":1,"bbox":[1,1,2,2],"score":1},)"
                 R"({"image_id":77,"category_id":1,"bbox":[1,1,2,2],"score":1}])"),
             Contains("bad_det.json") && Contains("detections[1]") && Contains("image_id 77"));
  CHECK_THAT(err(R"([{"image_id":1,"category_id":1,"bbox":[1,1,2],"score":1}])"),
             Contains("detections[0]") && Contains("'bbox' must have 4 values"));
  CHECK_THAT(err(R"([{"image_id":1,"category_id":1,"bbox":[1,1,2,2]}])"),
             Contains("detections[0]") && Contains("'score' is missing"));
  CHECK_THAT(err(R"({"a":1})"), Contains("top level must be a JSON array"));
  CHECK_THAT(err(R"([{"image_id":1,)"), Contains("malformed JSON at byte offset"));
}

TEST_CASE("MPII reader: bad input and the test set", "[annotations]") {
  TempDir t;
  std::string joints = "[";
  for (int j = 0; j < 16; ++j) {
    if (j) joints += ',';
    joints += "[11,21]";
  }
  joints += "]";
  const std::string vis = "[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,0]";
  const std::string good = R"({"image":"x.jpg","center":[-1,-1],"scale":2.0,"joints":)" + joints +
                           R"(,"joints_vis":)" + vis + "}";
  const std::string f = t.write("ok.json", "[" + good + "]");
  const auto db = hr::data::load_mpii_file(f, "img");
  REQUIRE(db.size() == 1);
  // center_x == -1: no adjustment, only the 1-based shift.
  CHECK(db[0].center == std::array<double, 2>{-2, -2});
  CHECK(db[0].scale == std::array<double, 2>{2, 2});
  CHECK(db[0].joints[3] == std::array<double, 3>{10, 20, 0});
  CHECK(db[0].joints_vis[15] == std::array<double, 3>{0, 0, 0});

  // The test split has no joints.
  fs::create_directories(t.dir / "annot");
  t.write("annot/test.json", R"([{"image":"y.jpg","center":[101,201],"scale":1.0}])");
  const auto test = hr::data::load_mpii(t.dir.string(), "test");
  REQUIRE(test.size() == 1);
  CHECK(test[0].center[0] == Approx(100));
  CHECK(test[0].center[1] == Approx(200 + 15));
  CHECK(test[0].scale[0] == Approx(1.25));
  CHECK(test[0].image == (t.dir / "images" / "y.jpg").string());

  auto err = [&](const std::string& text) {
    const std::string p = t.write("bad.json", text);
    return error_of([&] { hr::data::load_mpii_file(p, "img"); });
  };
  CHECK_THAT(error_of([&] { hr::data::load_mpii(t.dir.string(), "valid"); }),
             Contains("valid.json") && Contains("cannot open"));
  CHECK_THAT(err("[" + good + "," + R"({"image":"x.jpg","center":[1,1],"scale":1,"joints":[[1,2]],"joints_vis":[1]})" + "]"),
             Contains("bad.json") && Contains("entries[1]") && Contains("'joints' must be an array of 16"));
  CHECK_THAT(err(R"([{"image":"x.jpg","center":[1],"scale":1}])"),
             Contains("entries[0]") && Contains("'center' must have 2 values"));
  CHECK_THAT(err(R"([{"image":"x.jpg","center":[1,2],"scale":"big"}])"),
             Contains("'scale' must be a number, got string"));
  CHECK_THAT(err(R"([{"center":[1,2],"scale":1}])"), Contains("'image' is missing"));
  CHECK_THAT(err("[" + good + ",]"), Contains("malformed JSON at byte offset"));
}

TEST_CASE("Dropped fields are skipped without losing the fields around them", "[annotations]") {
  TempDir t;
  // Segmentation as RLE with a string holding brackets and an escaped quote, as polygons,
  // a dropped scalar, a dropped string and a dropped field last in its object.
  const std::string anns =
      ann(R"(,"segmentation":{"counts":"a\"]}[b{","size":[1,2]},"id":7,"note":"x")") + "," +
      R"({"segmentation" : [[1.5, 2.5, [3]], []] , "image_id":2,"category_id":1,"iscrowd":0,)"
      R"("area":50,"bbox":[1,2,10,10],"keypoints":)" + kps(1) + R"(,"extra":{"a":[1,{"b":"]"}]}})";
  const auto set = hr::data::load_coco_keypoints(t.write("ann.json", coco_json(anns)), "i",
                                                 {192, 256});
  REQUIRE(set.num_annotations == 2);
  REQUIRE(set.db.size() == 2);
  CHECK(set.db[0].image_id == 1);
  CHECK(set.db[0].joints[16] == std::array<double, 3>{10, 20, 0});
  CHECK(set.db[1].image_id == 2);
  CHECK(set.db[1].area == 50);
  CHECK(set.db[1].center[0] == Approx(1 + 4.5));

  // Errors after a skipped field report the true byte offset of the offending character.
  const std::string bad = coco_json(ann(R"(,"segmentation":[[1,2,3,4,5,6,7,8]])") + ",}");
  const std::string f = t.write("bad.json", bad);
  const auto at = bad.find(",}") + 1;
  CHECK_THAT(error_of([&] { hr::data::load_coco_keypoints(f, "i", {192, 256}); }),
             Contains("byte offset " + std::to_string(at)));
  // An unclosed skipped value runs to the end of the file: malformed.
  const std::string f2 = t.write("bad2.json", coco_json(ann(R"(,"segmentation":[[1,2)")));
  CHECK_THAT(error_of([&] { hr::data::load_coco_keypoints(f2, "i", {192, 256}); }),
             Contains("malformed JSON"));
  // A dropped key without its ':' is malformed too.
  const std::string f3 = t.write("bad3.json", R"({"images":[{"id":1,"junk" 5}]})");
  CHECK_THAT(error_of([&] { hr::data::load_coco_keypoints(f3, "i", {192, 256}); }),
             Contains("malformed JSON at byte offset 26"));
}

// Hidden: build/cpu/tests/hrnet_tests "[.bench]"; HRNET_BENCH_BYTES overrides the ~240 MB.
TEST_CASE("COCO annotation parse benchmark", "[.bench][annotations_bench]") {
  size_t bytes = 240'000'000;
  if (const char* e = std::getenv("HRNET_BENCH_BYTES")) bytes = std::stoull(e);
  const auto r = hr::data::bench_coco_parse(bytes);
  CHECK(r.records > 0);
}
