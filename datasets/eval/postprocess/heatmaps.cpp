#include "datasets/eval/postprocess/heatmaps.h"

#include "engine/error.h"

namespace hr::data::post {

void HeatmapShape::validate(const char* what) const {
  HR_CHECK(n > 0 && joints > 0 && height > 0 && width > 0,
           "{}: heatmap shape [{}, {}, {}, {}] (N, J, H, W) must be positive", what, n, joints,
           height, width);
}

std::vector<float> heatmaps_to_nchw(const Tensor& t, HeatmapShape* shape) {
  check_defined(t, "heatmaps");
  check_cpu(t, "heatmaps");
  check_ndim(t, 4, "heatmaps");
  HeatmapShape s{static_cast<int>(t.size(0)), static_cast<int>(t.size(3)),
                 static_cast<int>(t.size(1)), static_cast<int>(t.size(2))};
  s.validate("heatmaps_to_nchw");
  const float* src = t.data<float>();  // throws unless f32
  std::vector<float> out(s.numel());
  const size_t hw = s.map_size();
  for (int i = 0; i < s.n; ++i) {
    const float* in = src + static_cast<size_t>(i) * hw * s.joints;
    float* o = out.data() + s.map_offset(i, 0);
    for (size_t p = 0; p < hw; ++p)
      for (int j = 0; j < s.joints; ++j) o[static_cast<size_t>(j) * hw + p] = in[p * s.joints + j];
  }
  if (shape) *shape = s;
  return out;
}

}  // namespace hr::data::post
