// The flip test: flip_back, SHIFT_HEATMAP and the average against the official numpy/torch
// code (golden), plus hand-made cases for the pairs, the shift's column 0 and input flips.
#include <catch2/catch.hpp>

#include <vector>

#include "datasets/eval/postprocess/flip.h"
#include "datasets/record.h"
#include "engine/error.h"
#include "postprocess_fixtures.h"

using namespace hr::data::post;
using hr::test::post::decode_case;

TEST_CASE("flip_back and the merged flip test equal the official on the golden cases",
          "[postprocess][flip]") {
  for (const char* name : {"tiny", "mpii", "odd"}) {
    const auto& c = decode_case(name);
    INFO("case " << name);
    REQUIRE_FALSE(c.flip_pairs.empty());
    std::vector<float> back(c.shape.numel());
    flip_back(c.flipped.data(), back.data(), c.shape, c.flip_pairs);
    CHECK(back == c.flip_back);
    std::vector<float> merged = c.heatmaps;
    merge_flip_test(merged.data(), c.flipped.data(), c.shape, c.flip_pairs, true);
    CHECK(merged == c.flip_merged);  // same float operations: bit-exact
  }
}

TEST_CASE("the COCO and MPII flip pairs are the official ones", "[postprocess][flip]") {
  const auto& coco = hr::data::coco_joints().flip_pairs;
  const auto& mpii = hr::data::mpii_joints().flip_pairs;
  const auto& tiny = decode_case("tiny").flip_pairs;  // written by the fixture script
  const auto& mp = decode_case("mpii").flip_pairs;
  CHECK(std::vector<std::pair<int, int>>(coco.begin(), coco.end()) == tiny);
  CHECK(std::vector<std::pair<int, int>>(mpii.begin(), mpii.end()) == mp);
}

TEST_CASE("flip_back mirrors each map and swaps the paired joints", "[postprocess][flip]") {
  const HeatmapShape s{1, 3, 2, 3};  // joints 0 and 2 paired, 1 alone
  // value = 100 j + 10 y + x
  std::vector<float> src(s.numel());
  for (int j = 0; j < 3; ++j)
    for (int y = 0; y < 2; ++y)
      for (int x = 0; x < 3; ++x) src[s.map_offset(0, j) + y * 3 + x] = 100.f * j + 10.f * y + x;
  std::vector<float> dst(s.numel());
  const std::vector<std::pair<int, int>> pairs = {{0, 2}};
  flip_back(src.data(), dst.data(), s, pairs);
  for (int j = 0; j < 3; ++j)
    for (int y = 0; y < 2; ++y)
      for (int x = 0; x < 3; ++x) {
        const int from = j == 0 ? 2 : j == 2 ? 0 : 1;
        INFO("joint " << j << " y " << y << " x " << x);
        CHECK(dst[s.map_offset(0, j) + y * 3 + x] == 100.f * from + 10.f * y + (2 - x));
      }
  const std::vector<std::pair<int, int>> bad = {{0, 3}};
  CHECK_THROWS_AS(flip_back(src.data(), dst.data(), s, bad), hr::Error);
}

TEST_CASE("shift_right moves columns right and leaves column 0 unchanged",
          "[postprocess][flip]") {
  const HeatmapShape s{1, 1, 2, 4};
  std::vector<float> m = {1, 2, 3, 4,  //
                          5, 6, 7, 8};
  shift_right(m.data(), s);
  CHECK(m == std::vector<float>{1, 1, 2, 3,  //
                                5, 5, 6, 7});
  // merge without the shift: a plain average of the flipped-back map.
  std::vector<float> a = {2, 2, 2, 2, 2, 2, 2, 2};
  const std::vector<float> f = {1, 2, 3, 4, 5, 6, 7, 8};
  merge_flip_test(a.data(), f.data(), s, {}, false);
  CHECK(a == std::vector<float>{3.0f, 2.5f, 2.0f, 1.5f, 5.0f, 4.5f, 4.0f, 3.5f});
}

TEST_CASE("flip_width mirrors NHWC and NCHW batches along the width", "[postprocess][flip]") {
  // NHWC [1, 2, 3, 2]: value = 100 y + 10 x + c.
  std::vector<float> nhwc(12), out(12);
  for (int y = 0; y < 2; ++y)
    for (int x = 0; x < 3; ++x)
      for (int c = 0; c < 2; ++c) nhwc[(y * 3 + x) * 2 + c] = 100.f * y + 10.f * x + c;
  flip_width_nhwc(nhwc.data(), out.data(), 1, 2, 3, 2);
  for (int y = 0; y < 2; ++y)
    for (int x = 0; x < 3; ++x)
      for (int c = 0; c < 2; ++c)
        CHECK(out[(y * 3 + x) * 2 + c] == 100.f * y + 10.f * (2 - x) + c);  // channels kept

  const hr::Tensor t = hr::Tensor::from_vector(hr::Shape({1, 2, 3, 2}), nhwc);
  const hr::Tensor ft = flip_width(t);
  CHECK(ft.to_vector<float>() == out);
  CHECK(t.to_vector<float>() == nhwc);  // the input is untouched
  CHECK(flip_width(ft).to_vector<float>() == nhwc);

  // NCHW [1, 2, 1, 3]
  const std::vector<float> nchw = {1, 2, 3, 4, 5, 6};
  std::vector<float> o(6);
  flip_width_nchw(nchw.data(), o.data(), 1, 2, 1, 3);
  CHECK(o == std::vector<float>{3, 2, 1, 6, 5, 4});
}
