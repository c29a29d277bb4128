// Drawing keypoints and skeletons over an RGB image (hrnet-infer --image): thick anti-alias-free
// lines and filled discs, enough to look at predictions.
#pragma once
#include <array>
#include <cstdint>
#include <utility>
#include <vector>

#include "datasets/image/image.h"

namespace hr::app::draw {

using Rgb = std::array<uint8_t, 3>;

void disc(data::Image& im, double cx, double cy, double radius, Rgb colour);
void line(data::Image& im, double x0, double y0, double x1, double y1, double width, Rgb colour);
void rectangle(data::Image& im, double x, double y, double w, double h, double width, Rgb colour);

// The COCO skeleton (0-based joint pairs, the 19 limbs of person_keypoints' "skeleton") and
// MPII's 15 limbs.
const std::vector<std::pair<int, int>>& coco_skeleton();
const std::vector<std::pair<int, int>>& mpii_skeleton();

// One person: limbs between joints whose scores are both > thr, then the joints themselves.
// xy holds J (x, y) pairs, score J values.
void person(data::Image& im, const std::vector<std::array<float, 2>>& xy,
            const std::vector<float>& score, double thr, int index);

}  // namespace hr::app::draw
