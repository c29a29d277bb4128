#include "datasets/eval/postprocess/flip.h"

#include <algorithm>
#include <numeric>
#include <vector>

#include "engine/error.h"

namespace hr::data::post {

namespace {

// joint j of the output reads joint source[j] of the input.
std::vector<int> swap_table(int joints, FlipPairs pairs) {
  std::vector<int> source(joints);
  std::iota(source.begin(), source.end(), 0);
  for (const auto& [a, b] : pairs) {
    HR_CHECK(a >= 0 && a < joints && b >= 0 && b < joints,
             "flip_back: flip pair ({}, {}) is outside the {} joints of the heatmaps", a, b,
             joints);
    // Sequential swaps, as the official loop does (it matters only if pairs share a joint).
    std::swap(source[a], source[b]);
  }
  return source;
}

}  // namespace

void flip_back(const float* src, float* dst, const HeatmapShape& s, FlipPairs pairs) {
  s.validate("flip_back");
  const std::vector<int> source = swap_table(s.joints, pairs);
  for (int i = 0; i < s.n; ++i)
    for (int j = 0; j < s.joints; ++j) {
      const float* in = src + s.map_offset(i, source[j]);
      float* out = dst + s.map_offset(i, j);
      for (int y = 0; y < s.height; ++y) {
        const float* r = in + static_cast<size_t>(y) * s.width;
        float* w = out + static_cast<size_t>(y) * s.width;
        for (int x = 0; x < s.width; ++x) w[x] = r[s.width - 1 - x];
      }
    }
}

void shift_right(float* hm, const HeatmapShape& s) {
  s.validate("shift_right");
  const size_t rows = static_cast<size_t>(s.n) * s.joints * s.height;
  for (size_t r = 0; r < rows; ++r) {
    float* row = hm + r * s.width;
    std::copy_backward(row, row + s.width - 1, row + s.width);  // row[0] stays
  }
}

void average_with(float* hm, const float* other, const HeatmapShape& s) {
  s.validate("average_with");
  const size_t n = s.numel();
  for (size_t i = 0; i < n; ++i) hm[i] = (hm[i] + other[i]) * 0.5f;
}

void merge_flip_test(float* hm, const float* flipped_output, const HeatmapShape& s, FlipPairs pairs,
                     bool shift_heatmap) {
  std::vector<float> back(s.numel());
  flip_back(flipped_output, back.data(), s, pairs);
  if (shift_heatmap) shift_right(back.data(), s);
  average_with(hm, back.data(), s);
}

void flip_width_nhwc(const float* src, float* dst, int n, int height, int width, int channels) {
  HR_CHECK(n > 0 && height > 0 && width > 0 && channels > 0,
           "flip_width_nhwc: shape [{}, {}, {}, {}] must be positive", n, height, width, channels);
  const size_t c = static_cast<size_t>(channels);
  for (size_t row = 0; row < static_cast<size_t>(n) * height; ++row) {
    const float* in = src + row * width * c;
    float* out = dst + row * width * c;
    for (int x = 0; x < width; ++x)
      std::copy_n(in + (width - 1 - x) * c, c, out + x * c);
  }
}

void flip_width_nchw(const float* src, float* dst, int n, int channels, int height, int width) {
  HR_CHECK(n > 0 && channels > 0 && height > 0 && width > 0,
           "flip_width_nchw: shape [{}, {}, {}, {}] must be positive", n, channels, height, width);
  for (size_t row = 0; row < static_cast<size_t>(n) * channels * height; ++row) {
    const float* in = src + row * width;
    float* out = dst + row * width;
    for (int x = 0; x < width; ++x) out[x] = in[width - 1 - x];
  }
}

Tensor flip_width(const Tensor& t) {
  check_defined(t, "flip_width input");
  check_cpu(t, "flip_width input");
  check_ndim(t, 4, "flip_width input");
  Tensor out = Tensor::empty(t.shape(), DType::f32);
  flip_width_nhwc(t.data<float>(), out.data<float>(), static_cast<int>(t.size(0)),
                  static_cast<int>(t.size(1)), static_cast<int>(t.size(2)),
                  static_cast<int>(t.size(3)));
  return out;
}

}  // namespace hr::data::post
