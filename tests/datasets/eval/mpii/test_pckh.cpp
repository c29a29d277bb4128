// PCKh on a case small enough to follow by hand, the table format, and the input checks.
#include <catch2/catch.hpp>
#include <cmath>

#include "datasets/eval/mpii/pckh.h"
#include "mpii_test_support.h"

using namespace hr::data;
using namespace hr::test::mpii;

namespace {

// Two images, all GT joints at (100, 200) (1-based), head box (10, 20)-(40, 60): head size
// 0.6 * 50 = 30 px, so PCKh@0.5 accepts up to 15 px and the 0.11 threshold up to 3.3 px.
// Image 1 is predicted perfectly; image 0 has these offsets (px) from the GT:
//   j0 rank (0,0) hit     j1 rkne (9,12) = 15 px: error exactly 0.5, hit (<=)
//   j2 rhip (15.5,0) miss j3 lhip missing         j4 lkne (3,0) = 0.1, hit at 0.11
//   j5 lank (3.5,0) 0.117, miss at 0.11            j6 pelvis (0,0) hit, masked
//   j7 thorax (40,0) miss, masked                  j8 neck (40,0) miss, counts in Mean
//   j9 head (0,14.9) hit  j10 rwri missing         j11 relb (20,0) miss
//   j12 rsho (0,0) hit    j13 lsho (16,0) miss     j14 lelb (1,1) hit
//   j15 lwri (0,3) = 0.1 hit at 0.11
struct HandCase {
  MpiiGroundTruth gt;
  std::vector<std::array<float, 2>> preds;
};

HandCase hand_case() {
  HandCase h;
  MpiiGroundTruth& g = h.gt;
  g.source = "hand";
  g.joint_names = mpii_default_joint_names();
  g.num_images = 2;
  g.jnt_missing.assign(32, 0.0);
  g.jnt_missing[3] = g.jnt_missing[10] = 1.0;  // image 0
  g.pos_gt_src.resize(64);
  for (int n = 0; n < 2; ++n)
    for (int j = 0; j < 16; ++j) {
      g.pos_gt_src[j + 16 * (0 + 2 * n)] = 100.0;
      g.pos_gt_src[j + 16 * (1 + 2 * n)] = 200.0;
    }
  g.headboxes_src = {10, 40, 20, 60, 10, 40, 20, 60};  // [corner + 2 (coord + 2 n)]
  const float off[16][2] = {{0, 0},  {9, 12}, {15.5f, 0}, {500, 500}, {3, 0},   {3.5f, 0},
                            {0, 0},  {40, 0}, {40, 0},    {0, 14.9f}, {500, 0}, {20, 0},
                            {0, 0},  {16, 0}, {1, 1},     {0, 3}};
  for (int n = 0; n < 2; ++n)
    for (int j = 0; j < 16; ++j) {
      const float dx = n == 0 ? off[j][0] : 0.f, dy = n == 0 ? off[j][1] : 0.f;
      h.preds.push_back({100.f - 1.f + dx, 200.f - 1.f + dy});  // 0-based
    }
  return h;
}

}  // namespace

TEST_CASE("PCKh: a two-image case by hand", "[mpii_eval]") {
  const HandCase h = hand_case();
  const PckhTable t = evaluate_pckh(h.gt, h.preds);
  // Hits / visible per joint at 0.5: 2/2 except rhip 1/2, lhip 1/1, thorax 1/2, neck 1/2,
  // rwri 1/1, relb 1/2, lsho 1/2.
  const std::array<double, 16> want = {100, 100, 50, 100, 100, 100, 100, 50,
                                       50,  100, 100, 50, 100, 50,  100, 100};
  for (int j = 0; j < 16; ++j) {
    INFO("joint " << j);
    CHECK(t.pckh[j] == want[j]);
    CHECK(t.jnt_count[j] == (j == 3 || j == 10 ? 1.0 : 2.0));
  }
  CHECK(t.head == 100);
  CHECK(t.shoulder == 75);  // (lsho 50 + rsho 100) / 2
  CHECK(t.elbow == 75);
  CHECK(t.wrist == 100);
  CHECK(t.hip == 75);
  CHECK(t.knee == 100);
  CHECK(t.ankle == 100);
  // Mean over 26 visible instances outside pelvis/thorax, 22 of them hits; pelvis (2/2) and
  // thorax (1/2) would change it if they were not masked.
  CHECK(t.mean == Approx(2200.0 / 26).epsilon(1e-14));
  CHECK(t.jnt_ratio[6] == 0.0);
  CHECK(t.jnt_ratio[7] == 0.0);
  CHECK(t.jnt_ratio[0] == 2.0 / 26);
  // "Mean@0.1" is the threshold 0.11: image 1's 14 joints plus rank, lkne, rsho, lelb, lwri
  // of image 0 (lkne and lwri at exactly 0.1 would count at 0.10 too; lank at 0.117 not).
  CHECK(t.thresholds.size() == 51);
  CHECK(t.thresholds[PckhTable::kMeanAt01Index] == 0.11);
  CHECK(t.mean_at_0_1 == Approx(1900.0 / 26).epsilon(1e-14));
  // At threshold 0 only exact predictions count.
  CHECK(t.pck_all[0][0] == 100);
  CHECK(t.pck_all[0][1] == 50);
  CHECK(t.pck_all[50][1] == 100);  // 0.5 in the sweep too
}

TEST_CASE("PCKh: missing joints never count, whatever their prediction", "[mpii_eval]") {
  HandCase h = hand_case();
  const PckhTable before = evaluate_pckh(h.gt, h.preds);
  h.preds[3] = {100.f - 1.f, 200.f - 1.f};  // lhip of image 0, missing: now a perfect guess
  const PckhTable after = evaluate_pckh(h.gt, h.preds);
  CHECK(after.pckh == before.pckh);
  CHECK(after.mean == before.mean);
}

TEST_CASE("PCKh: a joint never visible gives NaN, which reaches Mean as officially", "[mpii_eval]") {
  HandCase h = hand_case();
  h.gt.jnt_missing[15] = h.gt.jnt_missing[15 + 16] = 1.0;  // lwri missing in both images
  const PckhTable t = evaluate_pckh(h.gt, h.preds);
  CHECK(std::isnan(t.pckh[15]));
  CHECK(std::isnan(t.wrist));
  CHECK(std::isnan(t.mean));
  CHECK(t.head == 100);
  CHECK(format_pckh_table(t, "w").find("| nan |") != std::string::npos);
}

TEST_CASE("PCKh: a zero head size makes that image's visible joints misses", "[mpii_eval]") {
  HandCase h = hand_case();
  h.gt.headboxes_src[4 + 1] = h.gt.headboxes_src[4 + 0];  // image 1: corner 2 x = corner 1 x
  h.gt.headboxes_src[4 + 3] = h.gt.headboxes_src[4 + 2];
  const PckhTable t = evaluate_pckh(h.gt, h.preds);
  // Image 1's perfect predictions give 0 / 0 = NaN errors: never <= 0.5.
  CHECK(t.pckh[0] == 50);
  CHECK(t.pckh[3] == 0);  // lhip: visible only in image 1
  CHECK(t.jnt_count[3] == 1);
}

TEST_CASE("PCKh: the official markdown table", "[mpii_eval]") {
  PckhTable t;
  t.head = 97.1;
  t.shoulder = 95.9;
  t.elbow = 90.3;
  t.wrist = 86.4;
  t.hip = 89.1;
  t.knee = 87.1;
  t.ankle = 83.3;
  t.mean = 90.3456;
  t.mean_at_0_1 = 37.7004;
  CHECK(format_pckh_table(t, "pose_hrnet") ==
        "| Arch | Head | Shoulder | Elbow | Wrist | Hip | Knee | Ankle | Mean | Mean@0.1 |\n"
        "|---|---|---|---|---|---|---|---|---|---|\n"
        "| pose_hrnet | 97.100 | 95.900 | 90.300 | 86.400 | 89.100 | 87.100 | 83.300 | 90.346 | 37.700 |\n");
  // Names over 15 characters are cut to 8 plus "..." as function.py does.
  const std::string long_name = format_pckh_table(t, "pose_hrnet_w32_256x256");
  CHECK(long_name.find("\n| pose_hrn... | 97.100") != std::string::npos);
  CHECK(format_pckh_table(t, "123456789012345").find("| 123456789012345 |") != std::string::npos);
  const auto nv = t.name_values();
  REQUIRE(nv.size() == 9);
  CHECK(nv[0].first == "Head");
  CHECK(nv[8].first == "Mean@0.1");
  CHECK(nv[7].second == 90.3456);
}

TEST_CASE("PCKh: the prediction count must match the ground truth", "[mpii_eval]") {
  HandCase h = hand_case();
  h.preds.pop_back();
  require_error([&] { evaluate_pckh(h.gt, h.preds); }, {"31 predictions", "hand", "2 images x 16 joints"});
  h = hand_case();
  h.gt.pos_gt_src.pop_back();
  require_error([&] { evaluate_pckh(h.gt, h.preds); }, {"hand", "array sizes 32, 63, 8 do not match 2 images"});
  h = hand_case();
  h.gt.joint_names[9] = "top";
  require_error([&] { evaluate_pckh(h.gt, h.preds); }, {"hand", "no joint named 'head'"});
}
