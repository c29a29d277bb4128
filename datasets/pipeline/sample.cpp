#include "datasets/pipeline/sample.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "datasets/image/affine.h"
#include "datasets/image/jpeg_region.h"
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

namespace {

// What the augmentation decided for one sample, before any pixel is touched: it needs only the
// image width (for the flip), so the pixels can be decoded afterwards, and only where read.
struct SamplePlan {
  SampleMeta meta;
  Affine trans;
  bool degenerate = false;  // scale 0 or not finite: see render_sample
};

void check_record(const PoseRecord& rec, const SampleOptions& opt, Rng* rng,
                  const SampleBuffers& out) {
  const int J = opt.num_joints();
  HR_CHECK(int(rec.joints.size()) == J && int(rec.joints_vis.size()) == J,
           "{}: record has {} joints ({} visibilities), the joint set {}", rec.image,
           rec.joints.size(), rec.joints_vis.size(), J);
  HR_CHECK(out.input && out.target && out.target_weight, "{}: make_sample without output buffers",
           rec.image);
  HR_CHECK(!opt.train || rng, "{}: a training sample needs a random generator", rec.image);
}

SamplePlan plan_sample(const PoseRecord& rec, int image_width, const SampleOptions& opt, Rng* rng) {
  SamplePlan p;
  SampleMeta& m = p.meta;
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
      // The official mirrors the whole image (done by the caller on the pixels).
      flip_joints(m.joints, m.joints_vis, image_width, opt.joint_set);
      m.center[0] = flip_center_x(m.center[0], image_width);
      m.flipped = true;
    }
  }
  if (m.scale[0] > 0 && std::isfinite(m.scale[0])) {
    p.trans =
        get_affine_transform(m.center, m.scale, m.rotation, opt.image_size[0], opt.image_size[1]);
  } else {
    // A degenerate box (scale 0, e.g. half-body on joints that all coincide): the official's
    // cv2.getAffineTransform gets three equal source points, its solve fails and returns a
    // zero matrix; warpAffine's inverse of a singular matrix is zero too, so every output
    // pixel samples the source pixel (0, 0), and affine_transform sends the joints to (0, 0).
    p.trans = Affine{{{0, 0, 0}, {0, 0, 0}}};
    p.degenerate = true;
  }
  return p;
}

// The source pixels the crop reads, in the coordinates of the (flipped, if so) image: the
// bounding box of the output rectangle mapped back, widened by 2 pixels for the bilinear
// neighbour and OpenCV's 1/32-pixel fixed-point rounding.
PixelRect source_rect(const SamplePlan& p, const SampleOptions& opt) {
  if (p.degenerate) return {0, 0, 1, 1};
  const Affine inv = p.trans.inverse();
  double lo[2] = {1e300, 1e300}, hi[2] = {-1e300, -1e300};
  for (const double u : {0.0, double(opt.image_size[0] - 1)})
    for (const double v : {0.0, double(opt.image_size[1] - 1)}) {
      const auto q = inv.apply(u, v);
      for (int k = 0; k < 2; ++k) {
        lo[k] = std::min(lo[k], q[k]);
        hi[k] = std::max(hi[k], q[k]);
      }
    }
  auto clampi = [](double v) { return static_cast<int>(std::clamp(v, -1e9, 1e9)); };
  return {clampi(std::floor(lo[0])) - 2, clampi(std::floor(lo[1])) - 2,
          clampi(std::floor(hi[0])) + 3, clampi(std::floor(hi[1])) + 3};
}

// Crop + normalisation, joints into the crop, targets. `image` is already flipped if planned
// and holds at least the pixels the crop reads.
Sample render_sample(SamplePlan p, ImageRegion& image, const SampleOptions& opt,
                     const SampleBuffers& out) {
  Image& px = image.pixels;
  HR_CHECK(px.channels == 3, "{}: image has {} channels, expected 3", p.meta.image, px.channels);
  // The official reads BGR and converts to RGB only with COLOR_RGB; decode_image gives RGB.
  if (!opt.color_rgb) {
    uint8_t* q = px.pixels.data();
    const size_t n = size_t(px.width) * px.height;
    for (size_t i = 0; i < n; ++i) std::swap(q[3 * i], q[3 * i + 2]);
  }
  Sample s;
  s.meta = std::move(p.meta);
  SampleMeta& m = s.meta;
  if (!p.degenerate) {
    warp_normalize(image, p.trans, opt.image_size[0], opt.image_size[1], out.input);
  } else {
    HR_CHECK(image.x0 == 0 && image.y0 == 0 && px.width > 0 && px.height > 0,
             "{}: the pixel (0, 0) was not decoded", m.image);
    const auto& mean = kImageNetMean;
    const auto& sd = kImageNetStd;
    float v[3];
    for (int c = 0; c < 3; ++c) v[c] = (px.at(0, 0, c) / 255.0f - mean[c]) / sd[c];
    const size_t n = size_t(opt.image_size[0]) * opt.image_size[1];
    for (size_t i = 0; i < n; ++i)
      for (int c = 0; c < 3; ++c) out.input[3 * i + c] = v[c];
  }
  for (int j = 0; j < opt.num_joints(); ++j) {
    if (m.joints_vis[j][0] > 0.0) {
      const auto q = p.trans.apply(m.joints[j][0], m.joints[j][1]);
      m.joints[j][0] = f32(q[0]);  // stored back into the float32 joints array
      m.joints[j][1] = f32(q[1]);
    }
  }
  generate_target(m.joints, m.joints_vis, opt.image_size, opt.heatmap_size, opt.sigma, out.target,
                  out.target_weight, opt.joints_weight);
  s.input = out.input;
  s.target = out.target;
  s.target_weight = out.target_weight;
  return s;
}

}  // namespace

Sample make_sample(const PoseRecord& rec, const SampleOptions& opt, Rng* rng,
                   const SampleBuffers& out) {
  check_record(rec, opt, rng, out);
  const std::vector<uint8_t> bytes = read_image_file(rec.image);
  const auto dims = jpeg_region_size(bytes.data(), bytes.size());
  if (!dims) return make_sample(rec, decode_image_memory(bytes.data(), bytes.size(), rec.image),
                                opt, rng, out);
  // A JPEG: plan the augmentation from the header's width, then decode only what the crop
  // reads (bit-identical to cropping the whole decoded image: jpeg_region.h).
  const int width = dims->first;
  SamplePlan plan = plan_sample(rec, width, opt, rng);
  PixelRect r = source_rect(plan, opt);
  if (plan.meta.flipped) r = {width - r.x1, r.y0, width - r.x0, r.y1};  // back to the file's x
  ImageRegion image = decode_jpeg_region(bytes.data(), bytes.size(), rec.image, r);
  if (plan.meta.flipped) flip_horizontal(image);
  return render_sample(std::move(plan), image, opt, out);
}

Sample make_sample(const PoseRecord& rec, Image image, const SampleOptions& opt, Rng* rng,
                   const SampleBuffers& out) {
  check_record(rec, opt, rng, out);
  HR_CHECK(image.channels == 3, "{}: image has {} channels, expected 3", rec.image, image.channels);
  SamplePlan plan = plan_sample(rec, image.width, opt, rng);
  if (plan.meta.flipped) flip_horizontal(image);
  ImageRegion whole = whole_region(std::move(image));
  return render_sample(std::move(plan), whole, opt, out);
}

}  // namespace hr::data
