// COCO rescoring, OKS and (soft) OKS-NMS against the official lib/nms/nms.py and
// COCODataset.evaluate (golden, nms.json), plus cases worked out by hand.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <map>
#include <vector>

#include "datasets/eval/postprocess/nms.h"
#include "engine/error.h"
#include "postprocess_fixtures.h"

using namespace hr::data::post;
using hr::test::post::nms_fixture;
using hr::test::post::nms_instances;

namespace {

PoseInstance person(double x0, double y0, double score, int64_t image = 1, double area = 10000) {
  PoseInstance p;
  for (int j = 0; j < 17; ++j)
    p.keypoints.push_back({static_cast<float>(x0 + 5 * j), static_cast<float>(y0 + 3 * j), 0.9f});
  p.score = score;
  p.area = area;
  p.image_id = image;
  return p;
}

// Rescored instances of one image of the fixture, and their global indices.
std::pair<std::vector<PoseInstance>, std::vector<int>> image_group(int64_t image_id) {
  const auto& f = nms_fixture();
  const std::vector<PoseInstance> all = nms_instances();
  std::vector<PoseInstance> g;
  std::vector<int> idx;
  for (size_t i = 0; i < all.size(); ++i)
    if (all[i].image_id == image_id) {
      g.push_back(all[i]);
      g.back().score = rescore(all[i].keypoints, all[i].score, f["in_vis_thre"].get<double>());
      idx.push_back(static_cast<int>(i));
    }
  return {g, idx};
}

}  // namespace

TEST_CASE("rescore equals the official on every fixture instance", "[postprocess][nms]") {
  const auto& f = nms_fixture();
  const auto inst = nms_instances();
  const auto want = f["rescored"].get<std::vector<double>>();
  REQUIRE(inst.size() == want.size());
  int zeros = 0;
  for (size_t i = 0; i < inst.size(); ++i) {
    INFO("instance " << i);
    const double got = rescore(inst[i].keypoints, inst[i].score, f["in_vis_thre"].get<double>());
    CHECK(got == want[i]);  // the same float32 sums and division, then one double product
    zeros += want[i] == 0.0;
  }
  CHECK(zeros >= 1);  // the fixture has an instance with no joint above the threshold
}

TEST_CASE("oks_iou equals the official between every pair of each image", "[postprocess][nms]") {
  const auto inst = nms_instances();
  size_t n = 0;
  for (const auto& row : nms_fixture()["oks"]) {
    const int a = row[0].get<int>(), b = row[1].get<int>();
    const double want = row[2].get<double>();
    INFO("instances " << a << ", " << b);
    // exp may differ from numpy's by an ulp; everything else is the same arithmetic.
    CHECK(oks_iou(inst[a].keypoints, inst[b].keypoints, inst[a].area, inst[b].area) ==
          Approx(want).epsilon(1e-14).margin(1e-300));
    ++n;
  }
  CHECK(n > 100);
}

TEST_CASE("oks_nms and soft_oks_nms keep what the official keeps, image by image",
          "[postprocess][nms]") {
  const auto& f = nms_fixture();
  const double thre = f["oks_thre"].get<double>();
  for (const char* kind : {"oks_nms", "soft_oks_nms"}) {
    for (const auto& img : f[kind]) {
      const int64_t id = img["image_id"].get<int64_t>();
      INFO(kind << " image " << id);
      auto [group, idx] = image_group(id);
      const std::vector<int> keep =
          std::string(kind) == "oks_nms" ? oks_nms(group, thre) : soft_oks_nms(group, thre);
      std::vector<int> global;
      for (int k : keep) global.push_back(idx[k]);
      CHECK(global == img["kept"].get<std::vector<int>>());
    }
  }
}

TEST_CASE("coco_nms lists the kept instances image by image as the official",
          "[postprocess][nms]") {
  const auto& f = nms_fixture();
  const auto all = nms_instances();
  for (bool soft : {false, true}) {
    INFO("soft " << soft);
    CocoNmsOptions opt;
    opt.in_vis_thre = f["in_vis_thre"].get<double>();
    opt.oks_thre = f["oks_thre"].get<double>();
    opt.soft_nms = soft;
    const std::vector<PoseInstance> got = coco_nms(all, opt);
    std::vector<std::pair<int, double>> want;  // (global index, rescored score) in order
    for (const auto& img : f[soft ? "soft_oks_nms" : "oks_nms"]) {
      const auto kept = img["kept"].get<std::vector<int>>();
      const auto scores = img["scores"].get<std::vector<double>>();
      for (size_t k = 0; k < kept.size(); ++k) want.emplace_back(kept[k], scores[k]);
    }
    REQUIRE(got.size() == want.size());
    for (size_t k = 0; k < got.size(); ++k) {
      INFO("output " << k);
      const PoseInstance& src = all[want[k].first];
      CHECK(got[k].image_id == src.image_id);
      CHECK(got[k].keypoints[0].x == src.keypoints[0].x);  // the same instance
      CHECK(got[k].keypoints[16].y == src.keypoints[16].y);
      CHECK(got[k].score == want[k].second);  // rescored (soft NMS leaves scores alone)
      CHECK(got[k].center == src.center);
    }
  }
}

TEST_CASE("oks_iou by hand", "[postprocess][nms]") {
  const PoseInstance a = person(100, 100, 1.0);
  CHECK(oks_iou(a.keypoints, a.keypoints, a.area, a.area) == 1.0);
  // One joint (left wrist, sigma .062) 10 px away, areas 10000 and 20000.
  PoseInstance b = a;
  b.keypoints[9].x += 6.0f;
  b.keypoints[9].y += 8.0f;
  const double var = (0.062 * 2) * (0.062 * 2);
  const double e = 100.0 / var / ((10000.0 + 20000.0) / 2) / 2;
  CHECK(oks_iou(a.keypoints, b.keypoints, 10000, 20000) == Approx((16 + std::exp(-e)) / 17));
  // Symmetric, and the sigma list must match the joint count.
  CHECK(oks_iou(b.keypoints, a.keypoints, 20000, 10000) ==
        oks_iou(a.keypoints, b.keypoints, 10000, 20000));
  // Zero areas (a zero scale): the official eps, np.spacing(1), keeps identical poses at 1
  // instead of 0/0.
  CHECK(oks_iou(a.keypoints, a.keypoints, 0, 0) == 1.0);
  CHECK(oks_iou(a.keypoints, b.keypoints, 0, 0) == Approx(16.0 / 17));
  const std::vector<double> three = {0.1, 0.1, 0.1};
  CHECK_THROWS_AS(oks_iou(a.keypoints, b.keypoints, 1, 1, three), hr::Error);
}

TEST_CASE("oks_nms by hand: near duplicates dropped, OKS equal to the threshold kept",
          "[postprocess][nms]") {
  std::vector<PoseInstance> v = {person(100, 100, 0.7), person(400, 300, 0.5),
                                 person(100.5, 100.5, 0.9), person(101, 100.5, 0.8)};
  // Best first: 2 (0.9); 0 and 3 are within a pixel of it (OKS ~ 0.99 > 0.9) and go; 1 stays.
  CHECK(oks_nms(v, 0.9) == std::vector<int>{2, 1});
  // The rule is "drop when OKS > thresh": at thresh = OKS(2, 0) instance 0 survives 2, the
  // closer instance 3 does not.
  const double o23 = oks_iou(v[2].keypoints, v[3].keypoints, v[2].area, v[3].area);
  const double o20 = oks_iou(v[2].keypoints, v[0].keypoints, v[2].area, v[0].area);
  REQUIRE(o23 > o20);
  CHECK(oks_nms(v, o20) == std::vector<int>{2, 0, 1});
  CHECK(oks_nms(std::vector<PoseInstance>{}, 0.9).empty());
}

TEST_CASE("descending_order: ties put the later instance first, NaN first",
          "[postprocess][nms]") {
  const std::vector<double> s = {0.5, 0.7, 0.5, 0.1};
  CHECK(descending_order(s) == std::vector<int>{1, 2, 0, 3});
  const std::vector<double> n = {0.5, std::numeric_limits<double>::quiet_NaN(), 0.9};
  CHECK(descending_order(n) == std::vector<int>{1, 2, 0});
}

TEST_CASE("soft_oks_nms: no threshold drop, at most 20, scores untouched",
          "[postprocess][nms]") {
  std::vector<PoseInstance> v;
  for (int i = 0; i < 25; ++i) v.push_back(person(100 + 0.1 * i, 100, 0.5 + 0.01 * i));
  const std::vector<int> keep = soft_oks_nms(v, 0.9);
  REQUIRE(keep.size() == 20);  // all near-identical, still 20 kept
  CHECK(keep.front() == 24);   // the best first
  CocoNmsOptions opt;
  opt.soft_nms = true;
  const auto out = coco_nms(v, opt);
  REQUIRE(out.size() == 20);
  // Rescoring happened (0.9 joints x box score), the Gaussian decay did not reach the output.
  CHECK(out.front().score == Approx(0.9 * (0.5 + 0.24)).epsilon(1e-6));
}

TEST_CASE("rescore: mean of the joints above IN_VIS_THRE, 0 when none", "[postprocess][nms]") {
  PoseInstance p = person(0, 0, 0.8);
  for (auto& k : p.keypoints) k.score = 0.1f;
  CHECK(rescore(p.keypoints, 0.8, 0.2) == 0.0);  // no joint above the threshold
  p.keypoints[0].score = 0.6f;
  p.keypoints[1].score = 0.4f;
  p.keypoints[2].score = 0.2f;  // exactly the threshold (as float32): not above it
  CHECK(rescore(p.keypoints, 0.8, 0.2) == Approx(0.5 * 0.8).epsilon(1e-7));
  CHECK(rescore(p.keypoints, 1.0, 0.0) == Approx((0.6 + 0.4 + 0.2 + 14 * 0.1) / 17).epsilon(1e-6));
}

TEST_CASE("coco_nms groups by first appearance and checks joint counts", "[postprocess][nms]") {
  std::vector<PoseInstance> v = {person(0, 0, 0.9, 7), person(300, 300, 0.9, 3),
                                 person(0.2, 0, 0.95, 7), person(600, 0, 0.5, 7)};
  const auto out = coco_nms(v, CocoNmsOptions{});
  REQUIRE(out.size() == 3);
  CHECK(out[0].image_id == 7);  // image 7 first: it appears first
  CHECK(out[0].keypoints[0].x == 0.2f);  // the better of the two duplicates
  CHECK(out[1].image_id == 7);
  CHECK(out[1].keypoints[0].x == 600.f);
  CHECK(out[2].image_id == 3);
  v[1].keypoints.pop_back();
  CHECK_THROWS_AS(coco_nms(v, CocoNmsOptions{}), hr::Error);
}

TEST_CASE("instance_area is the official float32 np.prod(s * 200)", "[postprocess][nms]") {
  const std::array<double, 2> s = {1.1, 1.4666666666666666};
  const float w = 1.1f * 200.f, h = 1.4666667f * 200.f;
  CHECK(instance_area(s) == static_cast<double>(w * h));
  CHECK(instance_area(s) == Approx(220.0 * 293.3333333).epsilon(1e-6));
}

TEST_CASE("make_instances slices a batch into instances", "[postprocess][nms]") {
  std::vector<KeypointPred> preds;
  for (int i = 0; i < 2 * 17; ++i) preds.push_back({float(i), float(-i), 0.5f});
  const std::vector<std::array<double, 2>> c = {{1, 2}, {3, 4}}, s = {{1.0, 1.25}, {0.5, 0.5}};
  const std::vector<double> score = {0.9, 1.0};
  const std::vector<int64_t> ids = {42, 7};
  const auto v = make_instances(preds, 17, c, s, score, ids);
  REQUIRE(v.size() == 2);
  CHECK(v[1].keypoints.size() == 17);
  CHECK(v[1].keypoints[0].x == 17.f);
  CHECK(v[1].center == c[1]);
  CHECK(v[1].area == instance_area(s[1]));
  CHECK(v[0].area == 200.0 * 250.0);
  CHECK((v[0].score == 0.9 && v[0].image_id == 42 && v[1].image_id == 7));
  CHECK_THROWS_AS(make_instances(preds, 16, c, s, score, ids), hr::Error);
}
