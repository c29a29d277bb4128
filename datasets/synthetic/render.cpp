// The synthetic-people renderer: a random background, 1..N posed figures, foreground occluders.
#include <algorithm>
#include <cmath>
#include <numbers>

#include "datasets/synthetic/synth.h"
#include "engine/error.h"
#include "engine/random.h"

namespace hr::data::synth {
namespace {

constexpr double kPi = std::numbers::pi;
constexpr int kBackground = -1;
constexpr int kOccluder = 1000;  // owner id of foreground occluders

// COCO joint ids.
enum J {
  kNose, kLEye, kREye, kLEar, kREar, kLSho, kRSho, kLElb, kRElb, kLWri, kRWri,
  kLHip, kRHip, kLKnee, kRKnee, kLAnk, kRAnk
};

uint64_t splitmix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// Cheap per-pixel hash noise in [0, 1).
inline float hash01(uint32_t x, uint32_t y, uint32_t s) {
  uint32_t h = x * 0x8DA6B343u ^ y * 0xD8163841u ^ s * 0xCB1AB31Fu;
  h ^= h >> 15;
  h *= 0x2C1B3C6Du;
  h ^= h >> 12;
  h *= 0x297A2D39u;
  h ^= h >> 15;
  return float(h >> 8) * (1.0f / 16777216.0f);
}

struct Color {
  float r = 0, g = 0, b = 0;
};
Color operator*(Color c, float s) { return {c.r * s, c.g * s, c.b * s}; }
Color operator+(Color a, Color b) { return {a.r + b.r, a.g + b.g, a.b + b.b}; }
Color mix(Color a, Color b, float t) { return a * (1 - t) + b * t; }

Color random_color(Rng& rng) {
  return {float(rng.uniform(0, 255)), float(rng.uniform(0, 255)), float(rng.uniform(0, 255))};
}
Color jitter(Color c, Rng& rng, double amp) {
  auto j = [&](float v) { return float(std::clamp(v + rng.uniform(-amp, amp), 0.0, 255.0)); };
  return {j(c.r), j(c.g), j(c.b)};
}

struct V2 {
  double x = 0, y = 0;
};
V2 operator-(V2 a, V2 b) { return {a.x - b.x, a.y - b.y}; }
V2 operator+(V2 a, V2 b) { return {a.x + b.x, a.y + b.y}; }
V2 operator*(V2 a, double s) { return {a.x * s, a.y * s}; }
double dot(V2 a, V2 b) { return a.x * b.x + a.y * b.y; }
double cross(V2 a, V2 b) { return a.x * b.y - a.y * b.x; }
double norm(V2 a) { return std::sqrt(dot(a, a)); }

struct V3 {
  double x = 0, y = 0, z = 0;
};
V3 operator+(V3 a, V3 b) { return {a.x + b.x, a.y + b.y, a.z + b.z}; }
V3 operator-(V3 a, V3 b) { return {a.x - b.x, a.y - b.y, a.z - b.z}; }
V3 operator*(V3 a, double s) { return {a.x * s, a.y * s, a.z * s}; }
double dot(V3 a, V3 b) { return a.x * b.x + a.y * b.y + a.z * b.z; }
V3 normalized(V3 a) {
  const double n = std::sqrt(dot(a, a));
  return n > 1e-12 ? a * (1.0 / n) : V3{0, 1, 0};
}
V3 cross(V3 a, V3 b) { return {a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x}; }
// Rotations about the body axes (x: the person's left, y: down, z: the person's forward).
V3 rot_x(V3 p, double a) {
  const double c = std::cos(a), s = std::sin(a);
  return {p.x, c * p.y - s * p.z, s * p.y + c * p.z};
}
V3 rot_y(V3 p, double a) {
  const double c = std::cos(a), s = std::sin(a);
  return {c * p.x + s * p.z, p.y, -s * p.x + c * p.z};
}
V3 rot_z(V3 p, double a) {
  const double c = std::cos(a), s = std::sin(a);
  return {c * p.x - s * p.y, s * p.x + c * p.y, p.z};
}

// A surface pattern evaluated in image coordinates.
struct Texture {
  int kind = 0;  // 0 solid, 1 stripes, 2 checks, 3 blotchy noise
  Color a, b;
  double period = 8, cos_a = 1, sin_a = 0, phase = 0;
  float noise = 0;  // per-pixel grain amplitude
  uint32_t salt = 0;

  Color at(int x, int y) const {
    Color c = a;
    if (kind == 1) {
      const double s = (x * cos_a + y * sin_a) / period + phase;
      if (s - std::floor(s) < 0.5) c = b;
    } else if (kind == 2) {
      const double u = (x * cos_a + y * sin_a) / period + phase;
      const double v = (-x * sin_a + y * cos_a) / period;
      if ((int64_t(std::floor(u)) + int64_t(std::floor(v))) & 1) c = b;
    } else if (kind == 3) {
      const int cs = std::max(2, int(period * 0.5));
      const float t = hash01(uint32_t(x / cs + 7919), uint32_t(y / cs + 104729), salt);
      c = mix(a, b, t);
    }
    if (noise > 0) {
      const float n = (hash01(uint32_t(x), uint32_t(y), salt ^ 0x55u) - 0.5f) * 2 * noise;
      c = c + Color{n, n, n};
    }
    return c;
  }
};

Texture random_texture(Rng& rng, Color base, double scale_px, double angle) {
  Texture t;
  const double u = rng.uniform();
  t.kind = u < 0.4 ? 0 : u < 0.7 ? 1 : u < 0.85 ? 2 : 3;
  t.a = base;
  t.b = rng.uniform() < 0.5 ? jitter(base, rng, 90) : random_color(rng);
  t.period = std::max(3.0, scale_px * rng.uniform(0.15, 0.6));
  const double ang = angle + rng.uniform(-0.4, 0.4) + (rng.uniform() < 0.3 ? kPi / 2 : 0.0);
  t.cos_a = std::cos(ang);
  t.sin_a = std::sin(ang);
  t.phase = rng.uniform();
  t.noise = float(rng.uniform(0, 18));
  t.salt = uint32_t(rng.next_u64());
  return t;
}

class Canvas {
 public:
  Canvas(int w, int h) : w_(w), h_(h), rgb_(size_t(w) * h * 3, 0.f), owner_(size_t(w) * h, kBackground) {}
  int width() const { return w_; }
  int height() const { return h_; }
  float* px(int x, int y) { return &rgb_[(size_t(y) * w_ + x) * 3]; }
  int& owner(int x, int y) { return owner_[size_t(y) * w_ + x]; }
  int owner(int x, int y) const { return owner_[size_t(y) * w_ + x]; }

  // Fills the shape given by a signed distance (pixels, negative inside) with anti-aliased
  // edges. shade(x, y, d) gives the colour. Pixels covered more than half take `id`.
  template <class Sdf, class Shade>
  void fill(double x0, double y0, double x1, double y1, int id, const Sdf& sdf, const Shade& shade,
            float alpha = 1.f) {
    const int ix0 = std::max(0, int(std::floor(x0)) - 1), iy0 = std::max(0, int(std::floor(y0)) - 1);
    const int ix1 = std::min(w_ - 1, int(std::ceil(x1)) + 1), iy1 = std::min(h_ - 1, int(std::ceil(y1)) + 1);
    for (int y = iy0; y <= iy1; ++y) {
      for (int x = ix0; x <= ix1; ++x) {
        const double d = sdf(double(x), double(y));
        const float cov = float(std::clamp(0.5 - d, 0.0, 1.0)) * alpha;
        if (cov <= 0.f) continue;
        const Color c = shade(x, y, d);
        float* p = px(x, y);
        p[0] += (c.r - p[0]) * cov;
        p[1] += (c.g - p[1]) * cov;
        p[2] += (c.b - p[2]) * cov;
        if (cov > 0.5f && id != kNoOwner) owner(x, y) = id;
      }
    }
  }

  RgbImage finish(Rng& rng) const {
    RgbImage img{w_, h_, std::vector<uint8_t>(rgb_.size())};
    const float gain[3] = {float(rng.uniform(0.9, 1.1)), float(rng.uniform(0.9, 1.1)),
                           float(rng.uniform(0.9, 1.1))};
    const float amp = float(rng.uniform(0, 10));
    const uint32_t salt = uint32_t(rng.next_u64());
    for (int y = 0; y < h_; ++y) {
      for (int x = 0; x < w_; ++x) {
        const size_t i = (size_t(y) * w_ + x) * 3;
        const float n = (hash01(uint32_t(x), uint32_t(y), salt) - 0.5f) * 2 * amp;
        for (int k = 0; k < 3; ++k) {
          const float v = rgb_[i + k] * gain[k] + n;
          img.pixels[i + k] = uint8_t(std::clamp(v, 0.f, 255.f) + 0.5f);
        }
      }
    }
    return img;
  }

  static constexpr int kNoOwner = -2;  // draw without touching the owner map

 private:
  int w_, h_;
  std::vector<float> rgb_;
  std::vector<int> owner_;
};

// Tapered capsule from a (radius ra) to b (radius rb).
struct Capsule {
  V2 a, b;
  double ra, rb;
  double sdf(double x, double y, double* t_out = nullptr) const {
    const V2 ab = b - a, p = V2{x, y} - a;
    const double l2 = dot(ab, ab);
    const double t = l2 > 1e-12 ? std::clamp(dot(p, ab) / l2, 0.0, 1.0) : 0.0;
    if (t_out) *t_out = t;
    const V2 q = p - ab * t;
    return norm(q) - (ra + (rb - ra) * t);
  }
  void bounds(double& x0, double& y0, double& x1, double& y1) const {
    const double r = std::max(ra, rb);
    x0 = std::min(a.x, b.x) - r;
    x1 = std::max(a.x, b.x) + r;
    y0 = std::min(a.y, b.y) - r;
    y1 = std::max(a.y, b.y) + r;
  }
};

void draw_capsule(Canvas& cv, const Capsule& c, int id, const Texture& tex, float shading = 0.35f) {
  double x0, y0, x1, y1;
  c.bounds(x0, y0, x1, y1);
  double t = 0;  // set by the distance call for the pixel that shade() then colours
  cv.fill(x0, y0, x1, y1, id, [&](double x, double y) { return c.sdf(x, y, &t); },
          [&](int x, int y, double d) {
            const double r = std::max(0.5, c.ra + (c.rb - c.ra) * t);
            const double u = std::clamp((d + r) / r, 0.0, 1.0);
            return tex.at(x, y) * float(1.0 - shading * u * u);
          });
}

void draw_disc(Canvas& cv, V2 c, double r, int id, Color col) {
  cv.fill(c.x - r, c.y - r, c.x + r, c.y + r, id,
          [&](double x, double y) { return std::hypot(x - c.x, y - c.y) - r; },
          [&](int, int, double) { return col; });
}

// Convex hull (counter-clockwise in image coordinates) of a few points, inflated by r.
struct RoundedHull {
  std::vector<V2> pts;
  double r = 0;
  double sdf(double x, double y) const {
    const V2 p{x, y};
    double best = 1e30;
    bool inside = pts.size() >= 3;
    for (size_t i = 0; i < pts.size(); ++i) {
      const V2 a = pts[i], b = pts[(i + 1) % pts.size()];
      const V2 ab = b - a, ap = p - a;
      const double l2 = dot(ab, ab);
      const double t = l2 > 1e-12 ? std::clamp(dot(ap, ab) / l2, 0.0, 1.0) : 0.0;
      best = std::min(best, norm(ap - ab * t));
      if (cross(ab, ap) < 0) inside = false;
    }
    return (inside ? -best : best) - r;
  }
};

std::vector<V2> convex_hull(std::vector<V2> p) {
  std::sort(p.begin(), p.end(), [](V2 a, V2 b) { return a.x < b.x || (a.x == b.x && a.y < b.y); });
  if (p.size() < 3) return p;
  std::vector<V2> h(2 * p.size());
  size_t k = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    while (k >= 2 && cross(h[k - 1] - h[k - 2], p[i] - h[k - 2]) <= 0) --k;
    h[k++] = p[i];
  }
  for (size_t i = p.size() - 1, t = k + 1; i-- > 0;) {
    while (k >= t && cross(h[k - 1] - h[k - 2], p[i] - h[k - 2]) <= 0) --k;
    h[k++] = p[i];
  }
  h.resize(k - 1);
  return h;
}

// ---------------------------------------------------------------------------------------------
// Background: a coarse bilinear colour field, clutter shapes and grain.

void draw_background(Canvas& cv, Rng& rng, int min_clutter, int max_clutter) {
  const int w = cv.width(), h = cv.height();
  const int gx = int(rng.randint(4)) + 2, gy = int(rng.randint(4)) + 2;
  const Color base = random_color(rng);
  const double spread = rng.uniform(20, 110);
  std::vector<Color> grid(size_t(gx) * gy);
  for (auto& c : grid) c = jitter(base, rng, spread);
  const float grain = float(rng.uniform(0, 20));
  const uint32_t salt = uint32_t(rng.next_u64());
  for (int y = 0; y < h; ++y) {
    const double fy = double(y) / std::max(1, h - 1) * (gy - 1);
    const int y0 = std::min(gy - 2, int(fy));
    const float ty = float(fy - y0);
    for (int x = 0; x < w; ++x) {
      const double fx = double(x) / std::max(1, w - 1) * (gx - 1);
      const int x0 = std::min(gx - 2, int(fx));
      const float tx = float(fx - x0);
      const Color c = mix(mix(grid[size_t(y0) * gx + x0], grid[size_t(y0) * gx + x0 + 1], tx),
                          mix(grid[size_t(y0 + 1) * gx + x0], grid[size_t(y0 + 1) * gx + x0 + 1], tx), ty);
      const float n = (hash01(uint32_t(x), uint32_t(y), salt) - 0.5f) * 2 * grain;
      float* p = cv.px(x, y);
      p[0] = c.r + n;
      p[1] = c.g + n;
      p[2] = c.b + n;
    }
  }
  // Clutter: soft blobs, boxes and sticks (limb-like distractors keep the task honest).
  const int n = min_clutter + int(rng.randint(max_clutter - min_clutter + 1));
  const double diag = std::hypot(w, h);
  for (int i = 0; i < n; ++i) {
    const double kind = rng.uniform();
    const Color col = rng.uniform() < 0.5 ? jitter(base, rng, 80) : random_color(rng);
    const Texture tex = random_texture(rng, col, diag * 0.05, rng.uniform(0, kPi));
    const float alpha = float(rng.uniform(0.4, 1.0));
    const V2 c{rng.uniform(0, w), rng.uniform(0, h)};
    if (kind < 0.4) {  // ellipse blob
      const double a = diag * rng.uniform(0.03, 0.2), b = a * rng.uniform(0.3, 1.0);
      const double th = rng.uniform(0, kPi), ct = std::cos(th), st = std::sin(th);
      const double rmax = std::max(a, b);
      cv.fill(c.x - rmax, c.y - rmax, c.x + rmax, c.y + rmax, Canvas::kNoOwner,
              [&](double x, double y) {
                const double u = ((x - c.x) * ct + (y - c.y) * st) / a;
                const double v = (-(x - c.x) * st + (y - c.y) * ct) / b;
                const double k = std::sqrt(u * u + v * v);
                return (k - 1.0) * std::min(a, b);
              },
              [&](int x, int y, double) { return tex.at(x, y); }, alpha);
    } else if (kind < 0.7) {  // rectangle
      const double hw = diag * rng.uniform(0.02, 0.15), hh = diag * rng.uniform(0.02, 0.15);
      const double th = rng.uniform(0, kPi), ct = std::cos(th), st = std::sin(th);
      RoundedHull box;
      for (const V2 o : {V2{-hw, -hh}, V2{hw, -hh}, V2{hw, hh}, V2{-hw, hh}})
        box.pts.push_back({c.x + o.x * ct - o.y * st, c.y + o.x * st + o.y * ct});
      box.pts = convex_hull(box.pts);
      const double rr = std::hypot(hw, hh);
      cv.fill(c.x - rr, c.y - rr, c.x + rr, c.y + rr, Canvas::kNoOwner,
              [&](double x, double y) { return box.sdf(x, y); },
              [&](int x, int y, double) { return tex.at(x, y); }, alpha);
    } else {  // stick
      const double len = diag * rng.uniform(0.05, 0.3), th = rng.uniform(0, 2 * kPi);
      const double r = diag * rng.uniform(0.005, 0.03);
      const Capsule cap{c, c + V2{std::cos(th), std::sin(th)} * len, r, r * rng.uniform(0.6, 1.2)};
      draw_capsule(cv, cap, Canvas::kNoOwner, tex);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The figure.

struct Figure {
  std::array<V3, kNumJoints> joints3{};  // camera space, body-height units, before projection
  std::array<V2, kNumJoints> joints{};   // image pixels
  std::array<bool, kNumJoints> face_visible{};  // face points on the near side of the head
  V3 head3{}, neck3{}, pelvis3{};
  V2 head, neck, pelvis;
  double head_r = 0;       // pixels
  double height_px = 0;
  double yaw = 0;
  bool back = false;
  // Looks.
  Color skin, hair, shirt, pants;
  Texture shirt_tex, pants_tex, sleeve_tex, skin_tex;
  bool short_sleeves = false, shorts = false;
  double limb_r[4] = {};  // upper arm, forearm, thigh, shin (pixels)
  double torso_r = 0;
};

// Direction of a limb that starts pointing down (+y), abducted by `abd` towards the side
// `side` (+1 the person's left), flexed forward by `flex`.
V3 limb_dir(double abd, double flex, double side) {
  V3 d{0, 1, 0};
  d = rot_z(d, -side * abd);  // rotate towards +x (left) for side = +1
  d = rot_x(d, flex);         // forward (+z) is reached from +y by +flex
  return normalized(d);
}

// Bends direction d by `bend` radians in the plane spanned by d and a hint direction.
V3 bend_dir(V3 d, V3 hint, double bend) {
  V3 p = hint - d * dot(hint, d);
  if (dot(p, p) < 1e-8) p = cross(d, V3{1, 0, 0});
  p = normalized(p);
  return normalized(d * std::cos(bend) + p * std::sin(bend));
}

Figure make_figure(Rng& rng, int img_w, int img_h, double height_px, double back_prob) {
  Figure f;
  f.height_px = height_px;
  // Proportions (body height ~ 1 from the crown to the ankles).
  const double s = rng.uniform(0.92, 1.08);
  const double sho_w = rng.uniform(0.17, 0.21), hip_w = rng.uniform(0.08, 0.105);
  const double head_r = rng.uniform(0.058, 0.07);
  const double upper_arm = 0.17 * s, forearm = 0.15 * s, thigh = 0.245 * s, shin = 0.235 * s;
  const double neck_y = -0.30 * s, sho_y = -0.275 * s, head_y = neck_y - head_r * 1.35;

  // Upper body lean (about the person's left axis) and twist.
  const double lean = rng.uniform() < 0.75 ? rng.uniform(-0.12, 0.3) : rng.uniform(-0.2, 0.8);
  const double twist = rng.uniform(-0.3, 0.3);
  auto upper = [&](V3 p) { return rot_y(rot_x(p, lean), twist); };

  std::array<V3, kNumJoints> b{};  // body frame
  const V3 neck = upper({0, neck_y, 0});
  b[kLSho] = upper({sho_w, sho_y, 0});
  b[kRSho] = upper({-sho_w, sho_y, 0});
  b[kLHip] = {hip_w, 0.02, 0};
  b[kRHip] = {-hip_w, 0.02, 0};
  // Arms.
  for (int side = 0; side < 2; ++side) {
    const double sg = side == 0 ? 1.0 : -1.0;
    const int sho = side == 0 ? kLSho : kRSho, elb = side == 0 ? kLElb : kRElb,
              wri = side == 0 ? kLWri : kRWri;
    const double abd = 0.1 + 2.6 * std::pow(rng.uniform(), 1.6);
    const double flex = rng.uniform(-0.6, 1.6);
    const V3 d1 = upper(limb_dir(abd, flex, sg));
    const double elbow = rng.uniform() < 0.3 ? rng.uniform(0, 0.3) : rng.uniform(0, 2.4);
    const double psi = rng.uniform(0, 2 * kPi);
    const V3 hint{std::cos(psi) * 0.6, -0.3, std::sin(psi) + 0.6};
    const V3 d2 = bend_dir(normalized(d1), hint, elbow);
    b[elb] = b[sho] + normalized(d1) * upper_arm;
    b[wri] = b[elb] + d2 * forearm;
  }
  // Legs.
  const bool active = rng.uniform() < 0.35;
  for (int side = 0; side < 2; ++side) {
    const double sg = side == 0 ? 1.0 : -1.0;
    const int hip = side == 0 ? kLHip : kRHip, knee = side == 0 ? kLKnee : kRKnee,
              ank = side == 0 ? kLAnk : kRAnk;
    const double abd = rng.uniform(-0.12, active ? 0.7 : 0.3);
    const double flex = active ? rng.uniform(-0.5, 1.7) : rng.uniform(-0.3, 0.45);
    const double kbend = active ? rng.uniform(0, 2.0) : rng.uniform(0, 0.5);
    const V3 d1 = limb_dir(abd, flex, sg);
    const V3 d2 = bend_dir(d1, V3{0, 0.2, -1}, kbend);
    b[knee] = b[hip] + d1 * thigh;
    b[ank] = b[knee] + d2 * shin;
  }
  // Head with its own turn and tilt.
  const double head_turn = rng.uniform(-0.5, 0.5), head_tilt = rng.uniform(-0.25, 0.25);
  const V3 head_c = upper({0, head_y, 0});
  auto head_pt = [&](V3 local) {
    return head_c + upper(rot_y(rot_x(local, head_tilt), head_turn));
  };
  const double r = head_r;
  b[kNose] = head_pt({0, 0.15 * r, 1.0 * r});
  b[kLEye] = head_pt({0.38 * r, -0.18 * r, 0.9 * r});
  b[kREye] = head_pt({-0.38 * r, -0.18 * r, 0.9 * r});
  b[kLEar] = head_pt({1.0 * r, 0.0, -0.05 * r});
  b[kREar] = head_pt({-1.0 * r, 0.0, -0.05 * r});

  // Camera: yaw (front or back view), slight perspective, aspect, roll, scale, position.
  f.back = rng.uniform() < back_prob;
  f.yaw = f.back ? kPi + rng.uniform(-0.8, 0.8) : rng.uniform(-1.0, 1.0);
  const double persp = rng.uniform(0.0, 0.35);
  const double aspect = rng.uniform(0.9, 1.1);
  const double roll = rng.uniform() < 0.9 ? rng.uniform(-0.25, 0.25) : rng.uniform(-1.1, 1.1);
  const double cr = std::cos(roll), sr = std::sin(roll);
  // Body frame -> camera frame: x_cam = cos(yaw) x + sin(yaw) z, z_cam = sin(yaw) x - cos(yaw) z
  // (yaw 0: the person faces the camera and their left is on the image right).
  const double cy = std::cos(f.yaw), sy = std::sin(f.yaw);
  auto to_cam = [&](V3 p) { return V3{cy * p.x + sy * p.z, p.y, sy * p.x - cy * p.z}; };
  // Place the pelvis so that the figure is in the image; a few figures may be cut by the border.
  const bool loose = rng.uniform() < 0.15;
  const double margin_x = (loose ? 0.05 : 0.22) * height_px, margin_y = (loose ? 0.25 : 0.47) * height_px;
  const double px = margin_x < img_w - margin_x ? rng.uniform(margin_x, img_w - margin_x) : img_w * 0.5;
  const double py = margin_y < img_h - margin_y ? rng.uniform(margin_y, img_h - margin_y) : img_h * 0.5;
  auto project = [&](V3 cam) {
    const double p = 1.0 / (1.0 + persp * cam.z);
    const double x = cam.x * p * aspect * height_px, y = cam.y * p * height_px;
    return V2{px + cr * x - sr * y, py + sr * x + cr * y};
  };
  for (int j = 0; j < kNumJoints; ++j) {
    f.joints3[j] = to_cam(b[j]);
    f.joints[j] = project(f.joints3[j]);
  }
  f.head3 = to_cam(head_c);
  f.neck3 = to_cam(neck);
  f.pelvis3 = to_cam({0, 0.02, 0});
  f.head = project(f.head3);
  f.neck = project(f.neck3);
  f.pelvis = project(f.pelvis3);
  f.head_r = r * height_px / (1.0 + persp * f.head3.z);
  // Face points on the far side of the head are hidden (and not labelled, as in COCO).
  for (int j = kNose; j <= kREar; ++j) f.face_visible[j] = (f.joints3[j].z - f.head3.z) < 0.2 * r;

  // Looks.
  const Color skins[5] = {{245, 215, 185}, {225, 180, 140}, {190, 140, 100}, {140, 95, 65}, {95, 65, 45}};
  f.skin = jitter(skins[rng.randint(5)], rng, 15);
  f.hair = jitter(Color{float(rng.uniform(10, 120)), float(rng.uniform(10, 80)), float(rng.uniform(0, 50))}, rng, 20);
  if (rng.uniform() < 0.12) f.hair = jitter(Color{200, 180, 120}, rng, 30);
  f.shirt = random_color(rng);
  f.pants = rng.uniform() < 0.5 ? jitter(Color{50, 60, 90}, rng, 40) : random_color(rng);
  const double spine_angle = roll + kPi / 2;
  f.shirt_tex = random_texture(rng, f.shirt, height_px * 0.15, spine_angle + kPi / 2);
  f.sleeve_tex = rng.uniform() < 0.7 ? f.shirt_tex : random_texture(rng, f.shirt, height_px * 0.1, spine_angle);
  f.pants_tex = random_texture(rng, f.pants, height_px * 0.12, spine_angle);
  f.skin_tex = Texture{};
  f.skin_tex.a = f.skin;
  f.skin_tex.noise = 3;
  f.skin_tex.salt = uint32_t(rng.next_u64());
  f.short_sleeves = rng.uniform() < 0.35;
  f.shorts = rng.uniform() < 0.25;
  const double build = rng.uniform(0.8, 1.3);
  const double radii[4] = {0.036, 0.029, 0.052, 0.038};
  for (int i = 0; i < 4; ++i) f.limb_r[i] = std::max(1.2, radii[i] * build * height_px);
  f.torso_r = std::max(1.5, height_px * (0.025 + 0.06 * std::abs(std::sin(f.yaw))) * build);
  return f;
}

// Draws figure `id` with its parts sorted far to near.
void draw_figure(Canvas& cv, const Figure& f, int id, Rng& rng) {
  struct Part {
    double depth;
    int kind;  // 0 torso+neck, 1 head, 2 limb segment
    int a = 0, b = 0, limb = 0;
  };
  std::vector<Part> parts;
  const auto& J = f.joints3;
  parts.push_back({(J[kLSho].z + J[kRSho].z + J[kLHip].z + J[kRHip].z) / 4 + 0.01, 0});
  parts.push_back({f.head3.z - 0.02, 1});
  const int segs[8][3] = {{kLSho, kLElb, 0}, {kLElb, kLWri, 1}, {kRSho, kRElb, 0}, {kRElb, kRWri, 1},
                          {kLHip, kLKnee, 2}, {kLKnee, kLAnk, 3}, {kRHip, kRKnee, 2}, {kRKnee, kRAnk, 3}};
  for (const auto& s : segs) parts.push_back({(J[s[0]].z + J[s[1]].z) / 2, 2, s[0], s[1], s[2]});
  std::stable_sort(parts.begin(), parts.end(), [](const Part& a, const Part& b) { return a.depth > b.depth; });

  for (const Part& p : parts) {
    if (p.kind == 0) {
      // Neck, then the torso hull through shoulders and hips.
      const Capsule neck{f.neck, f.head, f.head_r * 0.45, f.head_r * 0.4};
      draw_capsule(cv, neck, id, f.skin_tex);
      RoundedHull hull;
      hull.pts = convex_hull({f.joints[kLSho], f.joints[kRSho], f.joints[kLHip], f.joints[kRHip], f.neck});
      hull.r = f.torso_r;
      double x0 = 1e30, y0 = 1e30, x1 = -1e30, y1 = -1e30;
      for (const V2 q : hull.pts) {
        x0 = std::min(x0, q.x), y0 = std::min(y0, q.y), x1 = std::max(x1, q.x), y1 = std::max(y1, q.y);
      }
      const double rr = hull.r;
      // Shirt above the waist, pants below: split at 80% of the way from neck to pelvis.
      const V2 axis = f.pelvis - f.neck;
      const double al2 = std::max(1e-9, dot(axis, axis));
      cv.fill(x0 - rr, y0 - rr, x1 + rr, y1 + rr, id, [&](double x, double y) { return hull.sdf(x, y); },
              [&](int x, int y, double d) {
                const double t = dot(V2{double(x), double(y)} - f.neck, axis) / al2;
                const Color c = t < 0.82 ? f.shirt_tex.at(x, y) : f.pants_tex.at(x, y);
                const double u = std::clamp((d + rr) / (rr * 2.0), 0.0, 1.0);
                return c * float(1.0 - 0.25 * u * u);
              });
    } else if (p.kind == 1) {
      // Head: skin disc with hair (the whole head from behind), then the face marks.
      const V2 c = f.head;
      const double r = f.head_r;
      if (f.back) {
        draw_disc(cv, c, r, id, f.hair);
      } else {
        draw_disc(cv, c, r, id, f.skin);
        // Hair cap: the part of the head disc above a line across the forehead.
        const V2 up = (f.head - f.neck) * (1.0 / std::max(1e-9, norm(f.head - f.neck)));
        cv.fill(c.x - r, c.y - r, c.x + r, c.y + r, id,
                [&](double x, double y) {
                  const double disc = std::hypot(x - c.x, y - c.y) - r;
                  const double cap = 0.45 * r - dot(V2{x, y} - c, up);
                  return std::max(disc, cap);
                },
                [&](int, int, double) { return f.hair; });
      }
      const double mark = std::max(0.8, 0.13 * r);
      for (int j = kNose; j <= kREar; ++j) {
        if (!f.face_visible[j]) continue;
        const V2 q = f.joints[j];
        if (j == kLEar || j == kREar) {
          draw_disc(cv, q, std::max(1.0, 0.24 * r), id, f.skin * 0.72f);
          draw_disc(cv, q, std::max(0.6, 0.1 * r), id, f.skin * 0.45f);
        } else if (j == kNose) {
          draw_disc(cv, q, std::max(0.9, 0.16 * r), id, Color{200, 70, 60} * 0.8f + f.skin * 0.2f);
        } else {
          draw_disc(cv, q, mark * 1.7, id, Color{245, 245, 240});
          draw_disc(cv, q, mark, id, Color{20, 25, 35});
        }
      }
    } else {
      const bool arm = p.limb < 2;
      const bool lower = p.limb == 1 || p.limb == 3;
      const Texture* tex;
      if (arm) tex = lower ? &f.skin_tex : (f.short_sleeves ? &f.skin_tex : &f.sleeve_tex);
      else tex = (lower && f.shorts) ? &f.skin_tex : &f.pants_tex;
      if (arm && !lower && f.short_sleeves) {
        // Sleeve over the first half of the upper arm.
        const V2 a = f.joints[p.a], b = f.joints[p.b];
        draw_capsule(cv, {a, b, f.limb_r[0], f.limb_r[1]}, id, f.skin_tex);
        draw_capsule(cv, {a, a + (b - a) * 0.5, f.limb_r[0] * 1.15, f.limb_r[0] * 1.1}, id, f.sleeve_tex);
        continue;
      }
      const double ra = f.limb_r[p.limb];
      const double rb = lower ? ra * 0.8 : f.limb_r[p.limb + 1] * 1.05;
      draw_capsule(cv, {f.joints[p.a], f.joints[p.b], ra, rb}, id, *tex);
      if (lower && !arm) {
        // A faint knee cap: a slightly darker disc over the joint.
        const V2 k = f.joints[p.a];
        const Texture* tt = tex;
        cv.fill(k.x - ra, k.y - ra, k.x + ra, k.y + ra, id,
                [&](double x, double y) { return std::hypot(x - k.x, y - k.y) - ra * 0.85; },
                [&](int x, int y, double) { return tt->at(x, y) * 0.85f; }, 0.8f);
      }
      if (lower) {
        // Hands and feet: small darker ends.
        const V2 e = f.joints[p.b];
        const Color c = arm ? f.skin * 0.9f : jitter(Color{40, 35, 30}, rng, 25);
        draw_disc(cv, e, ra * (arm ? 1.05 : 1.1), id, c);
      }
    }
  }
}

void draw_occluders(Canvas& cv, Rng& rng) {
  const int n = int(rng.randint(2)) + 1;
  const int w = cv.width(), h = cv.height();
  const double diag = std::hypot(w, h);
  for (int i = 0; i < n; ++i) {
    const Color col = random_color(rng);
    const Texture tex = random_texture(rng, col, diag * 0.05, rng.uniform(0, kPi));
    const V2 c{rng.uniform(0, w), rng.uniform(0, h)};
    if (rng.uniform() < 0.5) {
      const double r = diag * rng.uniform(0.03, 0.09);
      cv.fill(c.x - r, c.y - r, c.x + r, c.y + r, kOccluder,
              [&](double x, double y) { return std::hypot(x - c.x, y - c.y) - r; },
              [&](int x, int y, double) { return tex.at(x, y); });
    } else {
      const double hw = diag * rng.uniform(0.02, 0.1), hh = diag * rng.uniform(0.02, 0.1);
      RoundedHull box;
      box.pts = convex_hull({{c.x - hw, c.y - hh}, {c.x + hw, c.y - hh}, {c.x + hw, c.y + hh}, {c.x - hw, c.y + hh}});
      cv.fill(c.x - hw, c.y - hh, c.x + hw, c.y + hh, kOccluder,
              [&](double x, double y) { return box.sdf(x, y); },
              [&](int x, int y, double) { return tex.at(x, y); });
    }
  }
}

}  // namespace

uint64_t image_seed(uint64_t seed, int64_t index) {
  return splitmix(splitmix(seed ^ 0x5EEDF00Dull) + uint64_t(index));
}

Scene render_scene(uint64_t seed, int64_t index, const RenderOptions& opt) {
  HR_CHECK(opt.min_size >= 64 && opt.max_size >= opt.min_size && opt.max_size <= 8192,
           "synthetic: image sizes must satisfy 64 <= min_size <= max_size <= 8192 (got {}, {})",
           opt.min_size, opt.max_size);
  HR_CHECK(opt.min_clutter >= 0 && opt.max_clutter >= opt.min_clutter && opt.max_clutter <= 1000,
           "synthetic: clutter counts must satisfy 0 <= min <= max <= 1000 (got {}, {})", opt.min_clutter,
           opt.max_clutter);
  HR_CHECK(opt.occluder_prob >= 0 && opt.occluder_prob <= 1 && opt.back_view_prob >= 0 && opt.back_view_prob <= 1,
           "synthetic: occluder and back-view probabilities must be in [0, 1] (got {}, {})", opt.occluder_prob,
           opt.back_view_prob);
  HR_CHECK(opt.max_people >= 1 && opt.max_people <= 16, "synthetic: max_people must be in [1, 16], got {}",
           opt.max_people);
  Rng rng(image_seed(seed, index));
  const int w = int(rng.uniform(opt.min_size, opt.max_size + 1));
  const int h = std::max(64, int(std::lround(w * rng.uniform(0.65, 1.0))));
  Canvas cv(w, h);
  draw_background(cv, rng, opt.min_clutter, opt.max_clutter);

  const int n = int(rng.randint(opt.max_people)) + 1;
  std::vector<double> heights(n);
  for (auto& hp : heights) hp = h * rng.uniform(0.35, 0.9) * (n > 2 ? 0.8 : 1.0);
  std::sort(heights.begin(), heights.end());  // far (small) people first
  std::vector<Figure> figs;
  for (int i = 0; i < n; ++i) {
    figs.push_back(make_figure(rng, w, h, heights[i], opt.back_view_prob));
    draw_figure(cv, figs.back(), i, rng);
  }
  if (rng.uniform() < opt.occluder_prob) draw_occluders(cv, rng);

  // Labels from the owner map.
  std::vector<int64_t> count(n, 0);
  std::vector<std::array<int, 4>> box(n, {w, h, -1, -1});
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      const int o = cv.owner(x, y);
      if (o < 0 || o >= n) continue;
      ++count[o];
      auto& b = box[o];
      b[0] = std::min(b[0], x), b[1] = std::min(b[1], y), b[2] = std::max(b[2], x), b[3] = std::max(b[3], y);
    }
  }
  Scene scene;
  for (int i = 0; i < n; ++i) {
    const Figure& f = figs[i];
    PersonLabel L;
    L.back_view = f.back;
    auto b = box[i];
    for (int j = 0; j < kNumJoints; ++j) {
      const V2 q = f.joints[j];
      Keypoint& k = L.keypoints[j];
      const bool inside = q.x >= 0 && q.y >= 0 && q.x <= w - 1 && q.y <= h - 1;
      if (!inside || (j <= kREar && !f.face_visible[j])) continue;  // v = 0, x = y = 0
      const int o = cv.owner(int(std::lround(q.x)), int(std::lround(q.y)));
      k.x = std::round(q.x * 100.0) / 100.0;
      k.y = std::round(q.y * 100.0) / 100.0;
      k.v = (o == i || o < 0 || o < i) ? 2 : 1;
      ++L.num_keypoints;
      b[0] = std::min(b[0], int(std::floor(k.x))), b[1] = std::min(b[1], int(std::floor(k.y)));
      b[2] = std::max(b[2], int(std::ceil(k.x))), b[3] = std::max(b[3], int(std::ceil(k.y)));
    }
    if (L.num_keypoints == 0 || count[i] < 48) continue;
    L.bbox = {double(b[0]), double(b[1]), double(b[2] - b[0] + 1), double(b[3] - b[1] + 1)};
    L.area = double(count[i]);
    scene.people.push_back(L);
  }
  scene.image = cv.finish(rng);
  return scene;
}

}  // namespace hr::data::synth
