// Heatmap decoding: golden cases transcribed from the official get_max_preds/get_final_preds
// (tests/reference/make_postprocess_fixtures.py) and hand-made border, tie and sign cases.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <vector>

#include "datasets/eval/postprocess/decode.h"
#include "datasets/image/affine.h"
#include "engine/error.h"
#include "engine/layout.h"
#include "postprocess_fixtures.h"

using namespace hr::data::post;
using hr::test::post::decode_case;
using hr::test::post::DecodeCase;

namespace {

// Compares N*J predictions with an N*J*2 array of (x, y).
void check_coords(const std::vector<KeypointPred>& got, const std::vector<float>& want,
                  double margin, const char* what) {
  REQUIRE(want.size() == got.size() * 2);
  for (size_t k = 0; k < got.size(); ++k) {
    INFO(what << ": instance-joint " << k);
    CHECK(got[k].x == Approx(want[2 * k]).margin(margin).epsilon(0));
    CHECK(got[k].y == Approx(want[2 * k + 1]).margin(margin).epsilon(0));
  }
}

// A W x H map of small values with one peak and chosen left/right/up/down neighbours.
std::vector<float> peak_map(int w, int h, int px, int py, float left, float right, float up,
                            float down) {
  std::vector<float> m(static_cast<size_t>(w) * h, 0.01f);
  auto at = [&](int x, int y) -> float& { return m[static_cast<size_t>(y) * w + x]; };
  at(px, py) = 1.0f;
  if (px > 0) at(px - 1, py) = left;
  if (px + 1 < w) at(px + 1, py) = right;
  if (py > 0) at(px, py - 1) = up;
  if (py + 1 < h) at(px, py + 1) = down;
  return m;
}

KeypointPred decode_one(const std::vector<float>& m, int w, int h, PostProcess mode) {
  return decode_heatmaps(m.data(), HeatmapShape{1, 1, h, w}, mode).at(0);
}

const char* const kCases[] = {"tiny", "coco", "mpii", "odd"};

}  // namespace

TEST_CASE("get_max_preds equals the official argmax on every golden case", "[postprocess]") {
  for (const char* name : kCases) {
    const DecodeCase& c = decode_case(name);
    INFO("case " << name);
    const std::vector<KeypointPred> p = get_max_preds(c.heatmaps.data(), c.shape);
    REQUIRE(p.size() == c.maxvals.size());
    for (size_t k = 0; k < p.size(); ++k) {
      INFO("instance-joint " << k);
      CHECK(p[k].x == c.max_coords[2 * k]);  // integers: exact
      CHECK(p[k].y == c.max_coords[2 * k + 1]);
      CHECK(p[k].score == c.maxvals[k]);
    }
  }
}

TEST_CASE("decode_heatmaps Default/None equal the official heatmap coordinates exactly",
          "[postprocess]") {
  for (const char* name : kCases) {
    const DecodeCase& c = decode_case(name);
    INFO("case " << name);
    check_coords(decode_heatmaps(c.heatmaps.data(), c.shape, PostProcess::Default), c.hm_default,
                 0.0, "default");
    check_coords(decode_heatmaps(c.heatmaps.data(), c.shape, PostProcess::None), c.max_coords, 0.0,
                 "none");
  }
}

TEST_CASE("get_final_preds matches the official image coordinates", "[postprocess]") {
  // The official maps back through cv2.getAffineTransform of float32 points and stores float32;
  // the closed form differs by that rounding: measured at most 6.1e-5 px (one float ulp at
  // 500-1000 px), hence a margin of 5e-4 px.
  for (const char* name : kCases) {
    const DecodeCase& c = decode_case(name);
    INFO("case " << name);
    for (auto [mode, want] : {std::pair{PostProcess::None, &c.final_none},
                              std::pair{PostProcess::Default, &c.final_default},
                              std::pair{PostProcess::Dark, &c.final_dark}}) {
      const auto got = get_final_preds(c.heatmaps.data(), c.shape, c.centers, c.scales, mode);
      check_coords(got, *want, 5e-4, "final");
      for (size_t k = 0; k < got.size(); ++k) CHECK(got[k].score == c.maxvals[k]);
    }
  }
}

TEST_CASE("quarter offset: only for 1 < px < W-1 and 1 < py < H-1", "[postprocess]") {
  const int w = 8, h = 9;
  // Right neighbour higher (+x), upper neighbour higher (-y).
  struct Row {
    int px, py;
    float dx, dy;
  };
  const Row rows[] = {
      {1, 4, 0.f, 0.f},      // column 1: no offset (the rule is strict)
      {2, 4, 0.25f, -0.25f}, // column 2: offset
      {w - 2, 4, 0.25f, -0.25f},
      {w - 1, 4, 0.f, 0.f},  // last column: none (no right neighbour)
      {0, 4, 0.f, 0.f},
      {4, 1, 0.f, 0.f},      // row 1: none
      {4, 2, 0.25f, -0.25f},
      {4, h - 2, 0.25f, -0.25f},
      {4, h - 1, 0.f, 0.f},  // last row: none
  };
  for (const Row& r : rows) {
    INFO("peak at (" << r.px << ", " << r.py << ")");
    const auto m = peak_map(w, h, r.px, r.py, 0.3f, 0.7f, 0.6f, 0.2f);
    const KeypointPred p = decode_one(m, w, h, PostProcess::Default);
    CHECK(p.x == r.px + r.dx);
    CHECK(p.y == r.py + r.dy);
    CHECK(p.score == 1.0f);
  }
  // Equal neighbours: sign 0, no move on that axis; lower/left higher: negative steps.
  KeypointPred p = decode_one(peak_map(w, h, 4, 4, 0.5f, 0.5f, 0.2f, 0.6f), w, h,
                              PostProcess::Default);
  CHECK(p.x == 4.0f);
  CHECK(p.y == 4.25f);
  p = decode_one(peak_map(w, h, 4, 4, 0.7f, 0.3f, 0.5f, 0.5f), w, h, PostProcess::Default);
  CHECK(p.x == 3.75f);
  CHECK(p.y == 4.0f);
}

TEST_CASE("get_max_preds: ties, non-positive and NaN maps", "[postprocess]") {
  const int w = 5, h = 4;
  std::vector<float> m(w * h, 0.1f);
  m[2 * w + 3] = 0.8f;  // (3, 2)
  m[1 * w + 4] = 0.8f;  // (4, 1): earlier in row-major order -> wins
  KeypointPred p = decode_one(m, w, h, PostProcess::None);
  CHECK(p.x == 4.0f);
  CHECK(p.y == 1.0f);

  std::vector<float> zero(w * h, 0.f);
  p = decode_one(zero, w, h, PostProcess::Default);
  CHECK((p.x == 0.f && p.y == 0.f && p.score == 0.f));

  std::vector<float> neg(w * h, -0.5f);
  neg[3 * w + 2] = -0.1f;  // argmax (2, 3) but not > 0: zeroed like the official pred_mask
  p = decode_one(neg, w, h, PostProcess::Default);
  CHECK((p.x == 0.f && p.y == 0.f));
  CHECK(p.score == -0.1f);

  std::vector<float> nan = m;
  nan[7] = std::numeric_limits<float>::quiet_NaN();  // numpy: the first NaN is the max
  p = decode_one(nan, w, h, PostProcess::Default);
  CHECK(std::isnan(p.score));
  CHECK((p.x == 0.f && p.y == 0.f));
}

TEST_CASE("get_final_preds: the official inverse affine for MPII's 16 joints", "[postprocess]") {
  const HeatmapShape s{2, 16, 64, 64};
  std::vector<float> hm(s.numel(), 0.f);
  for (int i = 0; i < s.n; ++i)
    for (int j = 0; j < s.joints; ++j)  // peak of joint j at (3 + 3j, 10 + i), no neighbours
      hm[s.map_offset(i, j) + static_cast<size_t>(10 + i) * 64 + 3 + 3 * j] = 0.5f + 0.01f * j;
  const std::vector<std::array<double, 2>> centers = {{100.0, 80.0}, {300.5, 220.25}};
  const std::vector<std::array<double, 2>> scales = {{1.0, 1.0}, {2.5, 2.5}};
  const auto got = get_final_preds(hm.data(), s, centers, scales, PostProcess::Default);
  REQUIRE(got.size() == 32);
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 16; ++j) {
      INFO("instance " << i << " joint " << j);
      const KeypointPred& k = got[i * 16 + j];
      // neighbours are 0 on both sides: sign 0, so the argmax itself is mapped.
      const double f = 200.0 * scales[i][0] / 64;
      CHECK(k.x == Approx(centers[i][0] + (3 + 3 * j - 32) * f));
      CHECK(k.y == Approx(centers[i][1] + (10 + i - 32) * f));
      CHECK(k.score == 0.5f + 0.01f * j);
    }
  CHECK_THROWS_AS(get_final_preds(hm.data(), s, std::span(centers).first(1), scales,
                                  PostProcess::Default),
                  hr::Error);
}

TEST_CASE("heatmaps_to_nchw reorders the network's NHWC heatmaps", "[postprocess]") {
  const HeatmapShape s{2, 3, 4, 5};
  std::vector<float> nchw(s.numel());
  for (size_t i = 0; i < nchw.size(); ++i) nchw[i] = static_cast<float>(i);
  const hr::Tensor t = hr::Tensor::from_vector(hr::Shape({2, 3, 4, 5}), nchw);
  HeatmapShape got{};
  const std::vector<float> back = heatmaps_to_nchw(hr::to_channels_last(t), &got);
  CHECK((got.n == 2 && got.joints == 3 && got.height == 4 && got.width == 5));
  CHECK(back == nchw);
}
