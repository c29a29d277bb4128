#include "apps/hrnet-infer/draw.h"

#include <algorithm>
#include <cmath>

namespace hr::app::draw {

void disc(data::Image& im, double cx, double cy, double radius, Rgb colour) {
  const int x0 = std::max(0, int(std::floor(cx - radius))), x1 = std::min(im.width - 1, int(std::ceil(cx + radius)));
  const int y0 = std::max(0, int(std::floor(cy - radius))), y1 = std::min(im.height - 1, int(std::ceil(cy + radius)));
  for (int y = y0; y <= y1; ++y)
    for (int x = x0; x <= x1; ++x)
      if ((x - cx) * (x - cx) + (y - cy) * (y - cy) <= radius * radius)
        for (int c = 0; c < 3; ++c) im.at(x, y, c) = colour[c];
}

void line(data::Image& im, double x0, double y0, double x1, double y1, double width, Rgb colour) {
  // Discs along the segment, half a pixel apart: simple and thick enough to see.
  const double len = std::hypot(x1 - x0, y1 - y0);
  const int steps = std::max(1, int(std::ceil(len * 2)));
  if (!std::isfinite(len) || steps > 1 << 20) return;
  for (int i = 0; i <= steps; ++i) {
    const double t = double(i) / steps;
    disc(im, x0 + t * (x1 - x0), y0 + t * (y1 - y0), width / 2, colour);
  }
}

void rectangle(data::Image& im, double x, double y, double w, double h, double width, Rgb colour) {
  line(im, x, y, x + w, y, width, colour);
  line(im, x + w, y, x + w, y + h, width, colour);
  line(im, x + w, y + h, x, y + h, width, colour);
  line(im, x, y + h, x, y, width, colour);
}

const std::vector<std::pair<int, int>>& coco_skeleton() {
  // person_keypoints' skeleton, 1-based there: [16,14] [14,12] [17,15] [15,13] [12,13] [6,12]
  // [7,13] [6,7] [6,8] [7,9] [8,10] [9,11] [2,3] [1,2] [1,3] [2,4] [3,5] [4,6] [5,7].
  static const std::vector<std::pair<int, int>> s = {
      {15, 13}, {13, 11}, {16, 14}, {14, 12}, {11, 12}, {5, 11}, {6, 12}, {5, 6}, {5, 7}, {6, 8},
      {7, 9},   {8, 10},  {1, 2},   {0, 1},   {0, 2},   {1, 3},  {2, 4},  {3, 5}, {4, 6}};
  return s;
}

const std::vector<std::pair<int, int>>& mpii_skeleton() {
  // 0 r_ankle 1 r_knee 2 r_hip 3 l_hip 4 l_knee 5 l_ankle 6 pelvis 7 thorax 8 upper_neck
  // 9 head_top 10 r_wrist 11 r_elbow 12 r_shoulder 13 l_shoulder 14 l_elbow 15 l_wrist
  static const std::vector<std::pair<int, int>> s = {
      {0, 1}, {1, 2}, {2, 6}, {3, 6}, {3, 4}, {4, 5}, {6, 7}, {7, 8},
      {8, 9}, {10, 11}, {11, 12}, {12, 7}, {13, 7}, {13, 14}, {14, 15}};
  return s;
}

void person(data::Image& im, const std::vector<std::array<float, 2>>& xy,
            const std::vector<float>& score, double thr, int index) {
  static const Rgb palette[] = {{230, 25, 75},  {60, 180, 75},  {255, 225, 25}, {0, 130, 200},
                                {245, 130, 48}, {145, 30, 180}, {70, 240, 240}, {240, 50, 230}};
  const Rgb limb = palette[index % 8];
  const double scale = std::max(1.0, std::min(im.width, im.height) / 320.0);
  const auto& sk = xy.size() == 16 ? mpii_skeleton() : coco_skeleton();
  for (const auto& [a, b] : sk) {
    if (a >= int(xy.size()) || b >= int(xy.size())) continue;
    if (score[a] > thr && score[b] > thr)
      line(im, xy[a][0], xy[a][1], xy[b][0], xy[b][1], 2.5 * scale, limb);
  }
  for (size_t j = 0; j < xy.size(); ++j)
    if (score[j] > thr) disc(im, xy[j][0], xy[j][1], 3 * scale, {255, 255, 255});
}

}  // namespace hr::app::draw
