#include "datasets/pipeline/sample.h"

#include <cmath>
#include <utility>

#include "datasets/image/affine.h"
#include "datasets/image/targets.h"
#include "engine/error.h"

namespace hr::data {
namespace {
double f32(double v) { return static_cast<double>(static_cast<float>(v)); }
}  // namespace

void SampleOptions::validate() const {
  HR_CHECK(image_size[0] > 0 && image_size[1] > 0,
           "sample options: image_size {}x{} must be positive", image_size[0], image_size[1]);
  HR_CHECK(heatmap_size[0] > 0 && heatmap_size[1] > 0,
           "sample options: heatmap_size {}x{} must be positive", heatmap_size[0], heatmap_size[1]);
  HR_CHECK(sigma > 0 && std::abs(3 * sigma - std::round(3 * sigma)) < 1e-9,
           "sample options: sigma {} must be positive with 3 * sigma an integer", sigma);
  HR_CHECK(scale_factor >= 0 && scale_factor < 1,
           "sample options: scale_factor {} must be in [0, 1)", scale_factor);
  HR_CHECK(rot_factor >= 0, "sample options: rot_factor {} must be >= 0", rot_factor);
  // Negative values switch half-body off (the official MPII configs use -1.0).
  HR_CHECK(prob_half_body <= 1, "sample options: prob_half_body {} must be <= 1", prob_half_body);
  HR_CHECK(num_joints() > 0, "sample options: the joint set has no joints");
  HR_CHECK(joints_weight.empty() || int(joints_weight.size()) == num_joints(),
           "sample options: joints_weight has {} entries, the joint set {} joints",
           joints_weight.size(), num_joints());
}

Sample make_sample(const PoseRecord& rec, const SampleOptions& opt, Rng* rng,
                   const SampleBuffers& out) {
  return make_sample(rec, decode_image(rec.image), opt, rng, out);
}

Sample make_sample(const PoseRecord& rec, Image image, const SampleOptions& opt, Rng* rng,
                   const SampleBuffers& out) {
  const int J = opt.num_joints();
  HR_CHECK(int(rec.joints.size()) == J && int(rec.joints_vis.size()) == J,
           "{}: record has {} joints ({} visibilities), the joint set {}", rec.image,
           rec.joints.size(), rec.joints_vis.size(), J);
  HR_CHECK(image.channels == 3, "{}: image has {} channels, expected 3", rec.image, image.channels);
  HR_CHECK(out.input && out.target && out.target_weight, "{}: make_sample without output buffers",
           rec.image);
  HR_CHECK(!opt.train || rng, "{}: a training sample needs a random generator", rec.image);

  // The official reads BGR and converts to RGB only with COLOR_RGB; decode_image gives RGB.
  if (!opt.color_rgb) {
    uint8_t* p = image.pixels.data();
    const size_t n = size_t(image.width) * image.height;
    for (size_t i = 0; i < n; ++i) std::swap(p[3 * i], p[3 * i + 2]);
  }

  Sample s;
  SampleMeta& m = s.meta;
  m.image = rec.image;
  m.image_id = rec.image_id;
  m.score = rec.score;
  m.center = rec.center;
  m.scale = rec.scale;
  m.joints = rec.joints;
  m.joints_vis = rec.joints_vis;

  if (opt.train) {
    if (half_body_applies(m.joints_vis, opt.num_joints_half_body, opt.prob_half_body, *rng)) {
      const auto hb = half_body_transform(m.joints, m.joints_vis, opt.joint_set, opt.aspect_ratio(),
                                          rng->normal());
      if (hb) {
        m.center = hb->center;
        m.scale = hb->scale;
      }
    }
    const ScaleRotation sr = draw_scale_rotation(*rng, opt.scale_factor, opt.rot_factor);
    // float32 array times a numpy float64 scalar stays float32 (numpy 1.x, the official's).
    m.scale[0] = f32(m.scale[0] * sr.scale_factor);
    m.scale[1] = f32(m.scale[1] * sr.scale_factor);
    m.rotation = sr.rotation;
    if (opt.flip && rng->uniform() <= 0.5) {
      flip_horizontal(image);
      flip_joints(m.joints, m.joints_vis, image.width, opt.joint_set);
      m.center[0] = flip_center_x(m.center[0], image.width);
      m.flipped = true;
    }
  }

  Affine trans;
  if (m.scale[0] > 0 && std::isfinite(m.scale[0])) {
    trans =
        get_affine_transform(m.center, m.scale, m.rotation, opt.image_size[0], opt.image_size[1]);
    warp_normalize(image, trans, opt.image_size[0], opt.image_size[1], out.input);
  } else {
    // A degenerate box (scale 0, e.g. half-body on joints that all coincide): the official's
    // cv2.getAffineTransform gets three equal source points, its solve fails and returns a
    // zero matrix; warpAffine's inverse of a singular matrix is zero too, so every output
    // pixel samples the source pixel (0, 0), and affine_transform sends the joints to (0, 0).
    trans = Affine{{{0, 0, 0}, {0, 0, 0}}};
    const auto& mean = kImageNetMean;
    const auto& sd = kImageNetStd;
    float px[3];
    for (int c = 0; c < 3; ++c) px[c] = (image.at(0, 0, c) / 255.0f - mean[c]) / sd[c];
    const size_t n = size_t(opt.image_size[0]) * opt.image_size[1];
    for (size_t i = 0; i < n; ++i)
      for (int c = 0; c < 3; ++c) out.input[3 * i + c] = px[c];
  }
  for (int j = 0; j < J; ++j) {
    if (m.joints_vis[j][0] > 0.0) {
      const auto p = trans.apply(m.joints[j][0], m.joints[j][1]);
      m.joints[j][0] = f32(p[0]);  // stored back into the float32 joints array
      m.joints[j][1] = f32(p[1]);
    }
  }
  generate_target(m.joints, m.joints_vis, opt.image_size, opt.heatmap_size, opt.sigma, out.target,
                  out.target_weight, opt.joints_weight);
  s.input = out.input;
  s.target = out.target;
  s.target_weight = out.target_weight;
  return s;
}

}  // namespace hr::data
