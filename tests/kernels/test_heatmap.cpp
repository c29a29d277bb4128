// Heatmap peaks on the CPU (the CUDA kernel shares heatmap_beats and is compared with this
// in tests/cuda): numpy argmax order, NaN first, ties to the lower index, NHWC maps.
#include <catch2/catch.hpp>

#include <cmath>

#include "engine/engine.h"
#include "kernels/heatmap/heatmap.h"

using namespace hr;

TEST_CASE("heatmap_beats orders values like numpy's argmax", "[heatmap]") {
  const float nan = std::nanf("");
  CHECK(kern::heatmap_beats(2.0f, 5, 1.0f, 0));
  CHECK_FALSE(kern::heatmap_beats(1.0f, 0, 2.0f, 5));
  CHECK(kern::heatmap_beats(1.0f, 2, 1.0f, 3));   // tie: lower index
  CHECK_FALSE(kern::heatmap_beats(1.0f, 3, 1.0f, 2));
  CHECK(kern::heatmap_beats(nan, 9, 1e30f, 0));   // NaN beats any number
  CHECK_FALSE(kern::heatmap_beats(1e30f, 0, nan, 9));
  CHECK(kern::heatmap_beats(nan, 1, nan, 4));     // first NaN wins
  CHECK_FALSE(kern::heatmap_beats(nan, 4, nan, 1));
}

TEST_CASE("heatmap_peaks finds the first maximum of every NHWC map", "[heatmap]") {
  // B 2, H 3, W 4, J 2: map (b, j) holds value b*100 + j*10 - |idx - peak| with peaks below.
  const int B = 2, H = 3, W = 4, J = 2;
  const int peak[B][J] = {{5, 11}, {0, 7}};
  Tensor hm = Tensor::empty(Shape{B, H, W, J});
  for (int b = 0; b < B; ++b)
    for (int i = 0; i < H * W; ++i)
      for (int j = 0; j < J; ++j) hm.data<float>()[(b * H * W + i) * J + j] = float(-std::abs(i - peak[b][j]));
  hm.data<float>()[(1 * H * W + 9) * J + 1] = 0.0f;  // a tie with index 7: 7 stays
  const auto p = ops::heatmap_peaks(hm);
  REQUIRE(p.index.shape() == Shape{B, J});
  CHECK(p.index.to_vector<int64_t>() == std::vector<int64_t>{5, 11, 0, 7});
  CHECK(p.value.to_vector<float>() == std::vector<float>{0.0f, 0.0f, 0.0f, 0.0f});
  CHECK_THROWS_WITH(ops::heatmap_peaks(Tensor::empty(Shape{2, 3}, DType::f32)), Catch::Contains("4-D"));
}
