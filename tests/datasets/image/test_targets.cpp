#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "datasets/image/targets.h"
#include "engine/error.h"

namespace {

constexpr int W = 48, H = 64;

struct Target {
  std::vector<float> map, weight;
  int joints;
  float at(int x, int y, int j) const { return map[(static_cast<size_t>(y) * W + x) * joints + j]; }
  double sum(int j) const {
    double s = 0;
    for (int y = 0; y < H; ++y)
      for (int x = 0; x < W; ++x) s += at(x, y, j);
    return s;
  }
};

Target make(const std::vector<std::array<double, 3>>& joints,
            const std::vector<std::array<double, 3>>& vis, double sigma = 2,
            std::span<const float> jw = {}) {
  Target t{std::vector<float>(W * H * joints.size(), -7.0f), std::vector<float>(joints.size()),
           static_cast<int>(joints.size())};
  hr::data::generate_target(joints, vis, {192, 256}, {W, H}, sigma, t.map.data(), t.weight.data(),
                            jw);
  return t;
}

}  // namespace

TEST_CASE("generate_target: peak 1 at the rounded centre, NHWC layout", "[image][targets]") {
  // (40, 60) / 4 = (10, 15); (41.9, 61.9) / 4 + 0.5 = (10.975, 15.975) truncates to (10, 15).
  const auto t = make({{40, 60, 0}, {41.9, 61.9, 0}, {42, 62, 0}}, {{1, 1, 0}, {1, 1, 0}, {1, 1, 0}});
  CHECK(t.weight == std::vector<float>{1, 1, 1});
  CHECK(t.at(10, 15, 0) == 1.0f);
  CHECK(t.at(10, 15, 1) == 1.0f);
  CHECK(t.at(11, 16, 2) == 1.0f);  // 42 / 4 + 0.5 = 11
  CHECK(t.at(11, 15, 0) == Approx(std::exp(-1.0 / 8)));
  CHECK(t.at(10, 21, 0) == Approx(std::exp(-36.0 / 8)));  // window edge: 3 sigma = 6
  CHECK(t.at(10, 22, 0) == 0.0f);                          // outside the 13x13 window
  CHECK(t.at(3, 15, 0) == 0.0f);
  CHECK(t.at(4, 9, 0) == Approx(std::exp(-72.0 / 8)));  // corner of the window
  // Every value is written (the buffer started at -7).
  for (float v : t.map) CHECK(v >= 0.0f);
}

TEST_CASE("generate_target: border, outside and invisible joints", "[image][targets]") {
  SECTION("near the border: truncated Gaussian, weight 1") {
    const auto t = make({{1, 1, 0}}, {{1, 1, 0}});
    CHECK(t.weight[0] == 1.0f);
    CHECK(t.at(0, 0, 0) == 1.0f);  // mu = int(0.25 + 0.5) = 0
    CHECK(t.at(6, 0, 0) == Approx(std::exp(-36.0 / 8)));
    CHECK(t.at(7, 0, 0) == 0.0f);
  }
  SECTION("far outside: weight 0 and an all-zero map") {
    const auto t = make({{-100, 50, 0}}, {{1, 1, 0}});
    CHECK(t.weight[0] == 0.0f);
    CHECK(t.sum(0) == 0.0);
    const auto t2 = make({{100, 1000, 0}}, {{1, 1, 0}});
    CHECK(t2.weight[0] == 0.0f);
  }
  SECTION("mu truncates toward zero like Python int()") {
    // -31 / 4 + 0.5 = -7.25 -> -7 (floor would give -8 and a window entirely outside):
    // br_x = -7 + 7 = 0 is not < 0, so the weight stays 1 although nothing lands on the map.
    const auto t = make({{-31, 50, 0}}, {{1, 1, 0}});
    CHECK(t.weight[0] == 1.0f);
    CHECK(t.sum(0) == 0.0);
    // -34 / 4 + 0.5 = -8 -> br_x = -1: outside, weight 0.
    CHECK(make({{-34, 50, 0}}, {{1, 1, 0}}).weight[0] == 0.0f);
  }
  SECTION("invisible joint: weight 0, map zero") {
    const auto t = make({{40, 60, 0}, {80, 80, 0}}, {{0, 0, 0}, {1, 1, 0}});
    CHECK(t.weight[0] == 0.0f);
    CHECK(t.sum(0) == 0.0);
    CHECK(t.weight[1] == 1.0f);
    CHECK(t.at(20, 20, 1) == 1.0f);
  }
  SECTION("sigma 3: 19x19 window") {
    const auto t = make({{40, 60, 0}}, {{1, 1, 0}}, 3);
    CHECK(t.at(19, 15, 0) == Approx(std::exp(-81.0 / 18)));
    CHECK(t.at(20, 15, 0) == 0.0f);
  }
  SECTION("bad arguments name the field") {
    std::vector<float> m(W * H), w(1);
    CHECK_THROWS_WITH(hr::data::generate_target({{0, 0, 0}}, {{1, 1, 0}}, {192, 256}, {W, H}, 2.5,
                                                m.data(), w.data()),
                      Catch::Contains("sigma"));
    CHECK_THROWS_WITH(hr::data::generate_target({{0, 0, 0}}, {}, {192, 256}, {W, H}, 2, m.data(),
                                                w.data()),
                      Catch::Contains("joints_vis"));
  }
}

TEST_CASE("generate_target: USE_DIFFERENT_JOINTS_WEIGHT", "[image][targets]") {
  const auto& cw = hr::data::coco_joints_weight();
  REQUIRE(cw.size() == 17);
  std::vector<std::array<double, 3>> joints(17, {40, 60, 0}), vis(17, {1, 1, 0});
  vis[7] = {0, 0, 0};
  const auto t = make(joints, vis, 2, cw);
  CHECK(t.weight[0] == 1.0f);
  CHECK(t.weight[7] == 0.0f);  // invisible elbow stays 0
  CHECK(t.weight[8] == 1.2f);
  CHECK(t.weight[9] == 1.5f);
  CHECK(t.weight[14] == 1.2f);
  CHECK(t.weight[16] == 1.5f);
  CHECK(t.at(10, 15, 9) == 1.0f);  // the map itself is not scaled
}
