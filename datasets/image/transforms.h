// Box and joint transforms of the official JointsDataset / COCODataset (section 4.1, 4.3):
// box -> (center, scale), COCO box cleaning, horizontal flip, half-body, and the random scale
// and rotation draws as pure functions of their random samples.
#pragma once
#include <array>
#include <optional>
#include <vector>

#include "datasets/record.h"
#include "engine/random.h"

namespace hr::data {

using Joints = std::vector<std::array<double, 3>>;  // J x (x, y, z)

struct CenterScale {
  std::array<double, 2> center{};
  std::array<double, 2> scale{};
};

// The official _xywh2cs: center = (x + w/2, y + h/2); widen h or w to aspect_ratio (= w/h of
// the network input); scale = (w, h) / pixel_std * 1.25. Values are rounded to float32 as the
// official np.float32 arrays hold them.
CenterScale box_to_center_scale(double x, double y, double w, double h, double aspect_ratio,
                                double pixel_std = 200.0);

struct Box {
  double x, y, w, h;
};

// The official COCO box cleaning (_load_coco_keypoint_annotation_kernal):
//   x1 = max(0, x), y1 = max(0, y), x2 = min(img_w - 1, x1 + max(0, w - 1)),
//   y2 = min(img_h - 1, y1 + max(0, h - 1)); kept when area > 0 (the annotation's `area`
//   field, not the box's), x2 >= x1 and y2 >= y1; the result is [x1, y1, x2 - x1, y2 - y1].
std::optional<Box> clean_coco_box(double x, double y, double w, double h, int img_w, int img_h,
                                  double area);

// The official fliplr_joints, in place: x -> image_width - x - 1, left/right pairs swapped
// (coordinates and visibility), then joints *= joints_vis element-wise (so invisible joints
// become 0 and z becomes 0). Throws when the sizes do not match the joint set.
void flip_joints(Joints& joints, Joints& joints_vis, int image_width, const JointSet& set);
// The centre flips with the image: c_x -> image_width - c_x - 1.
inline double flip_center_x(double cx, int image_width) { return image_width - cx - 1; }

// The official half_body_transform given its np.random.randn() sample `randn`:
// visible joints (vis > 0) split into upper (set.upper_body) and lower (all others); upper is
// chosen if randn < 0.5 and it has more than 2 joints, else lower if it has more than 2, else
// upper; fewer than 2 selected joints -> nullopt. Centre = mean of the selected joints, box =
// their min/max extent widened to aspect_ratio, / pixel_std, x 1.5 (float32 like the official).
std::optional<CenterScale> half_body_transform(const Joints& joints, const Joints& joints_vis,
                                               const JointSet& set, double aspect_ratio,
                                               double randn, double pixel_std = 200.0);

// Whether the official attempts half-body: more than `num_joints_half_body` visible joints
// (sum of joints_vis[:, 0]) and then, only in that case (Python's `and`), a uniform draw
// < prob_half_body. When it returns true, call half_body_transform with rng.normal().
bool half_body_applies(const Joints& joints_vis, int num_joints_half_body, double prob_half_body,
                       Rng& rng);

// Scale factor: clip(n * sf + 1, 1 - sf, 1 + sf) for an N(0,1) sample n (multiply both scales).
double random_scale_factor(double n, double scale_factor);
// Rotation: clip(n * rf, -2 rf, 2 rf) degrees if u <= 0.6, else 0 (u uniform in [0, 1)).
double random_rotation(double u, double n, double rotation_factor);

struct ScaleRotation {
  double scale_factor;  // multiplies scale
  double rotation;      // degrees
};
// Draws in the official order: N(0,1) for the scale, then a uniform, then N(0,1) for the
// rotation only when the uniform is <= 0.6.
ScaleRotation draw_scale_rotation(Rng& rng, double scale_factor, double rotation_factor);

}  // namespace hr::data
