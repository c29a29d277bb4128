#include "datasets/image/targets.h"

#include <algorithm>
#include <cmath>

#include "engine/error.h"

namespace hr::data {

const std::vector<float>& coco_joints_weight() {
  static const std::vector<float> w{1.f, 1.f, 1.f, 1.f, 1.f, 1.f, 1.f, 1.2f, 1.2f,
                                    1.5f, 1.5f, 1.f, 1.f, 1.2f, 1.2f, 1.5f, 1.5f};
  return w;
}

void generate_target(const std::vector<std::array<double, 3>>& joints,
                     const std::vector<std::array<double, 3>>& joints_vis,
                     std::array<int, 2> image_size, std::array<int, 2> heatmap_size, double sigma,
                     float* target_hwj, float* target_weight,
                     std::span<const float> joints_weight) {
  const int J = static_cast<int>(joints.size());
  HR_CHECK(joints_vis.size() == joints.size(),
           "generate_target: joints has {} rows, joints_vis {}", joints.size(), joints_vis.size());
  HR_CHECK(joints_weight.empty() || static_cast<int>(joints_weight.size()) == J,
           "generate_target: joints_weight has {} entries for {} joints", joints_weight.size(), J);
  const int W = heatmap_size[0], H = heatmap_size[1];
  HR_CHECK(W > 0 && H > 0 && image_size[0] > 0 && image_size[1] > 0,
           "generate_target: image_size {}x{} and heatmap_size {}x{} must be positive",
           image_size[0], image_size[1], W, H);
  const double tmp = 3 * sigma;
  HR_CHECK(sigma > 0 && tmp == std::floor(tmp) && tmp < 1000,
           "generate_target: sigma {} must be positive with 3*sigma an integer", sigma);
  const int t = static_cast<int>(tmp);

  // The unnormalised patch, float32 as the official np.float32 arange gives.
  const float two_s2 = static_cast<float>(2 * sigma * sigma);
  std::fill(target_hwj, target_hwj + static_cast<size_t>(H) * W * J, 0.0f);

  const double stride_x = static_cast<double>(image_size[0]) / W;
  const double stride_y = static_cast<double>(image_size[1]) / H;
  for (int j = 0; j < J; ++j) {
    float weight = static_cast<float>(joints_vis[j][0]);
    const double mux = std::trunc(joints[j][0] / stride_x + 0.5);
    const double muy = std::trunc(joints[j][1] / stride_y + 0.5);
    const double ulx = std::trunc(mux - t), uly = std::trunc(muy - t);
    const double brx = std::trunc(mux + t + 1), bry = std::trunc(muy + t + 1);
    if (!(ulx < W && uly < H && brx >= 0 && bry >= 0)) {  // also catches NaN joints
      weight = 0;
    } else if (weight > 0.5f) {
      const int ux = static_cast<int>(ulx), uy = static_cast<int>(uly);
      const int x_lo = std::max(0, ux), x_hi = std::min(static_cast<int>(brx), W);
      const int y_lo = std::max(0, uy), y_hi = std::min(static_cast<int>(bry), H);
      for (int y = y_lo; y < y_hi; ++y) {
        const float dy = static_cast<float>(y - uy - t);
        for (int x = x_lo; x < x_hi; ++x) {
          const float dx = static_cast<float>(x - ux - t);
          target_hwj[(static_cast<size_t>(y) * W + x) * J + j] =
              std::exp(-(dx * dx + dy * dy) / two_s2);
        }
      }
    }
    if (!joints_weight.empty()) weight *= joints_weight[j];
    target_weight[j] = weight;
  }
}

}  // namespace hr::data
