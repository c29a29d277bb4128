#include <catch2/catch.hpp>

#include "datasets/image/transforms.h"
#include "engine/error.h"

using hr::data::Joints;

TEST_CASE("box_to_center_scale: aspect fix and x1.25", "[image][transforms]") {
  // Wide box: h grows to w / 0.75.
  auto cs = hr::data::box_to_center_scale(10, 20, 60, 40, 0.75);
  CHECK(cs.center[0] == 40.0);
  CHECK(cs.center[1] == 40.0);
  CHECK(cs.scale[0] == Approx(60.0 / 200 * 1.25));  // 0.375
  CHECK(cs.scale[1] == Approx(80.0 / 200 * 1.25));  // 0.5
  // Tall box: w grows to h * 0.75.
  cs = hr::data::box_to_center_scale(0, 0, 30, 100, 0.75);
  CHECK(cs.center[0] == 15.0);
  CHECK(cs.center[1] == 50.0);
  CHECK(cs.scale[0] == Approx(75.0 / 200 * 1.25));  // 0.46875
  CHECK(cs.scale[1] == Approx(100.0 / 200 * 1.25));  // 0.625
  // Already at the aspect ratio: unchanged before x1.25.
  cs = hr::data::box_to_center_scale(0, 0, 75, 100, 0.75);
  CHECK(cs.scale[0] == Approx(0.46875));
  CHECK(cs.scale[1] == Approx(0.625));
}

TEST_CASE("clean_coco_box", "[image][transforms]") {
  auto b = hr::data::clean_coco_box(-5, 10, 100, 50, 80, 200, 10.0);
  REQUIRE(b);
  CHECK(b->x == 0);
  CHECK(b->y == 10);
  CHECK(b->w == 79);  // x2 = min(79, 0 + 99)
  CHECK(b->h == 49);  // y2 = min(199, 10 + 49): one pixel smaller than the raw h
  CHECK_FALSE(hr::data::clean_coco_box(-5, 10, 100, 50, 80, 200, 0.0));  // area 0
  CHECK_FALSE(hr::data::clean_coco_box(100, 10, 5, 5, 80, 200, 25.0));   // starts right of the image
  b = hr::data::clean_coco_box(3.5, 4.5, 0.5, 0.5, 80, 200, 1.0);         // degenerate but kept
  REQUIRE(b);
  CHECK(b->w == 0);
  CHECK(b->h == 0);
}

TEST_CASE("flip_joints: mirror, pair swap, invisible zeroed, flip twice = identity",
          "[image][transforms]") {
  const auto& set = hr::data::coco_joints();
  Joints joints(17), vis(17);
  for (int j = 0; j < 17; ++j) {
    joints[j] = {10.0 + 3 * j, 5.0 + j, 0.0};
    vis[j] = {1, 1, 0};
  }
  Joints j2 = joints, v2 = vis;
  hr::data::flip_joints(j2, v2, 100, set);
  CHECK(j2[0][0] == 100 - 10 - 1);  // nose stays joint 0
  CHECK(j2[0][1] == 5);
  CHECK(j2[1][0] == 100 - 16 - 1);  // l_eye takes the mirrored r_eye
  CHECK(j2[1][1] == 7);
  CHECK(j2[2][0] == 100 - 13 - 1);
  CHECK(j2[2][1] == 6);
  hr::data::flip_joints(j2, v2, 100, set);
  CHECK(j2 == joints);
  CHECK(v2 == vis);

  // An invisible joint carries its visibility to its partner's slot and is zeroed there.
  vis[3] = {0, 0, 0};
  hr::data::flip_joints(joints, vis, 100, set);
  CHECK(vis[4] == std::array<double, 3>{0, 0, 0});
  CHECK(joints[4] == std::array<double, 3>{0, 0, 0});
  CHECK(vis[3] == std::array<double, 3>{1, 1, 0});
  CHECK(joints[3][0] == 100 - (10 + 12) - 1);
  CHECK(hr::data::flip_center_x(30.0, 100) == 69.0);

  Joints wrong(16);
  CHECK_THROWS_AS(hr::data::flip_joints(wrong, wrong, 100, set), hr::Error);
}

TEST_CASE("half_body_transform rules", "[image][transforms]") {
  const auto& set = hr::data::coco_joints();
  Joints joints(17, {0, 0, 0}), vis(17, {0, 0, 0});
  auto show = [&](int j, double x, double y) {
    joints[j] = {x, y, 0};
    vis[j] = {1, 1, 0};
  };
  SECTION("fewer than 2 selected joints: none") {
    show(0, 10, 10);
    CHECK_FALSE(hr::data::half_body_transform(joints, vis, set, 0.75, 0.0));
    CHECK_FALSE(hr::data::half_body_transform(joints, vis, set, 0.75, 2.0));
  }
  // Upper: (10,20), (30,20), (20,50); lower: hips and knees around (100, 200).
  show(0, 10, 20);
  show(1, 30, 20);
  show(2, 20, 50);
  show(11, 90, 200);
  show(12, 110, 200);
  show(13, 100, 260);
  SECTION("randn < 0.5 and > 2 upper joints: upper, mean centre, aspect fix, x1.5") {
    const auto cs = hr::data::half_body_transform(joints, vis, set, 0.75, 0.49);
    REQUIRE(cs);
    CHECK(cs->center[0] == Approx(20));
    CHECK(cs->center[1] == Approx(30));
    // w = 20, h = 30: w < 0.75 h, so w = 22.5
    CHECK(cs->scale[0] == Approx(22.5 / 200 * 1.5));
    CHECK(cs->scale[1] == Approx(30.0 / 200 * 1.5));
  }
  SECTION("randn >= 0.5: lower when it has more than 2 joints") {
    const auto cs = hr::data::half_body_transform(joints, vis, set, 0.75, 0.5);
    REQUIRE(cs);
    CHECK(cs->center[0] == Approx(100));
    CHECK(cs->center[1] == Approx(220));
    // w = 20, h = 60: w = 45
    CHECK(cs->scale[0] == Approx(45.0 / 200 * 1.5));
    CHECK(cs->scale[1] == Approx(60.0 / 200 * 1.5));
  }
  SECTION("lower with only 2 joints falls back to upper") {
    vis[13] = {0, 0, 0};
    const auto cs = hr::data::half_body_transform(joints, vis, set, 0.75, 3.0);
    REQUIRE(cs);
    CHECK(cs->center[1] == Approx(30));
  }
  SECTION("only 2 upper joints with randn < 0.5: lower is taken") {
    vis[2] = {0, 0, 0};
    const auto cs = hr::data::half_body_transform(joints, vis, set, 0.75, 0.0);
    REQUIRE(cs);
    CHECK(cs->center[1] == Approx(220));
  }
  SECTION("gate: more than 8 visible joints, then uniform < prob") {
    hr::Rng rng(7);
    CHECK_FALSE(hr::data::half_body_applies(vis, 8, 1.0, rng));  // 6 visible
    for (int j = 3; j < 6; ++j) show(j, 15, 30);
    CHECK(hr::data::half_body_applies(vis, 8, 1.0, rng));  // 9 visible, prob 1
    CHECK_FALSE(hr::data::half_body_applies(vis, 8, 0.0, rng));
  }
}

TEST_CASE("random scale and rotation draws", "[image][transforms]") {
  CHECK(hr::data::random_scale_factor(0.5, 0.35) == Approx(1.175));
  CHECK(hr::data::random_scale_factor(3.0, 0.35) == Approx(1.35));   // clipped to 1 + sf
  CHECK(hr::data::random_scale_factor(-3.0, 0.35) == Approx(0.65));  // clipped to 1 - sf
  CHECK(hr::data::random_rotation(0.6, 1.0, 45) == Approx(45));      // u <= 0.6 rotates
  CHECK(hr::data::random_rotation(0.61, 1.0, 45) == 0.0);
  CHECK(hr::data::random_rotation(0.1, 3.0, 45) == Approx(90));      // clipped to 2 rf
  CHECK(hr::data::random_rotation(0.1, -2.5, 45) == Approx(-90));

  CHECK_THROWS_WITH(hr::data::random_scale_factor(0.0, -0.1), Catch::Contains("SCALE_FACTOR"));
  CHECK_THROWS_WITH(hr::data::random_rotation(0.1, 0.0, -1), Catch::Contains("ROT_FACTOR"));

  // draw order: normal (scale), uniform, normal (rotation) only when uniform <= 0.6
  hr::Rng a(42), b(42);
  for (int i = 0; i < 20; ++i) {
    const auto d = hr::data::draw_scale_rotation(a, 0.35, 45);
    const double s = hr::data::random_scale_factor(b.normal(), 0.35);
    const double u = b.uniform();
    const double r = u <= 0.6 ? hr::data::random_rotation(u, b.normal(), 45) : 0.0;
    CHECK(d.scale_factor == s);
    CHECK(d.rotation == r);
  }
}
