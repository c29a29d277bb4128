#include "datasets/image/affine.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <vector>

#include "engine/error.h"

namespace hr::data {

Affine Affine::inverse() const {
  const double det = a[0][0] * a[1][1] - a[0][1] * a[1][0];
  HR_CHECK(det != 0.0 && std::isfinite(det), "Affine::inverse: singular matrix (determinant {})",
           det);
  const double id = 1.0 / det;
  Affine r;
  r.a[0][0] = a[1][1] * id;
  r.a[0][1] = -a[0][1] * id;
  r.a[1][0] = -a[1][0] * id;
  r.a[1][1] = a[0][0] * id;
  r.a[0][2] = -(r.a[0][0] * a[0][2] + r.a[0][1] * a[1][2]);
  r.a[1][2] = -(r.a[1][0] * a[0][2] + r.a[1][1] * a[1][2]);
  return r;
}

Affine get_affine_transform(const std::array<double, 2>& center, const std::array<double, 2>& scale,
                            double rot_deg, int out_w, int out_h, double pixel_std) {
  HR_CHECK(out_w > 0 && out_h > 0, "get_affine_transform: output size {}x{} must be positive",
           out_w, out_h);
  HR_CHECK(scale[0] > 0 && std::isfinite(scale[0]),
           "get_affine_transform: scale[0] = {} must be positive", scale[0]);
  const double k = out_w / (pixel_std * scale[0]);
  const double t = rot_deg * std::numbers::pi / 180.0;
  const double c = std::cos(t), s = std::sin(t);
  Affine m;
  m.a[0][0] = k * c;
  m.a[0][1] = k * s;
  m.a[1][0] = -k * s;
  m.a[1][1] = k * c;
  m.a[0][2] = 0.5 * out_w - (m.a[0][0] * center[0] + m.a[0][1] * center[1]);
  m.a[1][2] = 0.5 * out_h - (m.a[1][0] * center[0] + m.a[1][1] * center[1]);
  return m;
}

std::array<double, 2> transform_preds(double x_hm, double y_hm, const std::array<double, 2>& center,
                                      const std::array<double, 2>& scale, int heatmap_w,
                                      int heatmap_h, double pixel_std) {
  const double f = pixel_std * scale[0] / heatmap_w;
  return {center[0] + (x_hm - 0.5 * heatmap_w) * f, center[1] + (y_hm - 0.5 * heatmap_h) * f};
}

namespace {

constexpr int kBits = 5;              // source coordinates in 1/32 pixel
constexpr int kTab = 1 << kBits;      // 32
constexpr int kWeightBits = 2 * kBits;  // weights sum to 1024
constexpr int kAbBits = 10;           // affine terms in 1/1024 pixel
constexpr int kAbScale = 1 << kAbBits;
constexpr double kClamp = 1 << 28;    // keeps the sum of two fixed-point terms inside int

// Computes every output pixel's rounded channel values v[0..cn) and hands them to
// sink(offset of the pixel in an HWC buffer, v, cn).
// Where the warp reads: `pixels` hold the rectangle at (x0, y0) of a full_w x full_h image.
struct Source {
  const Image* pixels;
  int x0, y0, full_w, full_h;
};

template <int C, typename Sink>
void warp_rows(const Source& src, const Affine& M, int out_w, int out_h, Sink&& sink) {
  const Affine inv = M.inverse();
  const int sw = src.full_w, sh = src.full_h;
  const int cn = C > 0 ? C : src.pixels->channels;
  const size_t stride = static_cast<size_t>(src.pixels->width) * cn;
  // base addresses full-image coordinates: base + y * stride + x * cn is pixel (x, y) for
  // (x, y) inside the region (region_ok below checks the warp stays there).
  const uint8_t* base = src.pixels->pixels.data() - static_cast<ptrdiff_t>(src.y0) * stride -
                        static_cast<ptrdiff_t>(src.x0) * cn;
  const int rx0 = src.x0, ry0 = src.y0, rx1 = src.x0 + src.pixels->width,
            ry1 = src.y0 + src.pixels->height;
  const bool whole = rx0 <= 0 && ry0 <= 0 && rx1 >= sw && ry1 >= sh;
  // A read inside the image must be inside the region (the caller sized it to the crop).
  auto region_ok = [&](int x, int y) {
    return whole || x < 0 || y < 0 || x >= sw || y >= sh ||
           (x >= rx0 && x < rx1 && y >= ry0 && y < ry1);
  };
  bool outside_region = false;
  // OpenCV's fixed-point coordinates: each term rounded (half to even) to 1/1024 pixel, the
  // sum rounded to 1/32 (+16/1024, then >> 5). Per-column terms are tabulated once, so the
  // inner loop is integer adds and shifts.
  auto fixed = [](double v) {
    return static_cast<int>(std::lrint(std::clamp(v * kAbScale, -kClamp, kClamp)));
  };
  std::vector<int> adelta(out_w), bdelta(out_w);
  for (int x = 0; x < out_w; ++x) {
    adelta[x] = fixed(inv.a[0][0] * x);
    bdelta[x] = fixed(inv.a[1][0] * x);
  }
  constexpr int round_delta = kAbScale / kTab / 2;
  int v[4];
  for (int y = 0; y < out_h; ++y) {
    const int x0 = fixed(inv.a[0][1] * y + inv.a[0][2]) + round_delta;
    const int y0 = fixed(inv.a[1][1] * y + inv.a[1][2]) + round_delta;
    for (int x = 0; x < out_w; ++x) {
      const int X = (x0 + adelta[x]) >> (kAbBits - kBits);
      const int Y = (y0 + bdelta[x]) >> (kAbBits - kBits);
      const int sx = X >> kBits, sy = Y >> kBits;  // floor (arithmetic shift)
      const int fx = X & (kTab - 1), fy = Y & (kTab - 1);
      const int w00 = (kTab - fx) * (kTab - fy), w01 = fx * (kTab - fy);
      const int w10 = (kTab - fx) * fy, w11 = fx * fy;
      const size_t o = (static_cast<size_t>(y) * out_w + x) * cn;
      if (sx >= 0 && sy >= 0 && sx + 1 < sw && sy + 1 < sh) {
        if (!whole && !(region_ok(sx, sy) && region_ok(sx + 1, sy + 1))) {
          outside_region = true;
          continue;
        }
        const uint8_t* p0 = base + static_cast<ptrdiff_t>(sy) * static_cast<ptrdiff_t>(stride) +
                            static_cast<ptrdiff_t>(sx) * cn;
        const uint8_t* p1 = p0 + stride;
        for (int c = 0; c < cn; ++c)
          v[c] = (p0[c] * w00 + p0[c + cn] * w01 + p1[c] * w10 + p1[c + cn] * w11 +
                  (1 << (kWeightBits - 1))) >>
                 kWeightBits;
      } else if (sx >= sw || sy >= sh || sx + 1 < 0 || sy + 1 < 0) {
        for (int c = 0; c < cn; ++c) v[c] = 0;
      } else {
        // Partly outside: neighbours outside the image read 0.
        const bool in_x0 = sx >= 0 && sx < sw, in_x1 = sx + 1 >= 0 && sx + 1 < sw;
        const bool in_y0 = sy >= 0 && sy < sh, in_y1 = sy + 1 >= 0 && sy + 1 < sh;
        for (int c = 0; c < cn; ++c) {
          auto px = [&](int xx, int yy) {
            if (!region_ok(xx, yy)) {
              outside_region = true;
              return 0;
            }
            return static_cast<int>(base[static_cast<ptrdiff_t>(yy) * static_cast<ptrdiff_t>(stride) +
                                         static_cast<ptrdiff_t>(xx) * cn + c]);
          };
          int acc = 0;
          if (in_y0 && in_x0) acc += px(sx, sy) * w00;
          if (in_y0 && in_x1) acc += px(sx + 1, sy) * w01;
          if (in_y1 && in_x0) acc += px(sx, sy + 1) * w10;
          if (in_y1 && in_x1) acc += px(sx + 1, sy + 1) * w11;
          v[c] = (acc + (1 << (kWeightBits - 1))) >> kWeightBits;
        }
      }
      sink(o, v, cn);
    }
  }
  HR_CHECK(!outside_region,
           "warp: the crop reads pixels outside the decoded region [{}, {}) x [{}, {}) of a {}x{} "
           "image",
           rx0, rx1, ry0, ry1, sw, sh);
}

void check_warp_args(const Image& src, int out_w, int out_h, const char* fn) {
  HR_CHECK(out_w > 0 && out_h > 0, "{}: output size {}x{} must be positive", fn, out_w, out_h);
  HR_CHECK(src.width > 0 && src.height > 0, "{}: empty source image {}x{}", fn, src.width,
           src.height);
  HR_CHECK(src.channels >= 1 && src.channels <= 4, "{}: source has {} channels (1 to 4 allowed)",
           fn, src.channels);
  HR_CHECK(src.pixels.size() == static_cast<size_t>(src.width) * src.height * src.channels,
           "{}: source holds {} bytes for {}x{}x{}", fn, src.pixels.size(), src.width, src.height,
           src.channels);
}

}  // namespace

Image warp_affine(const Image& src, const Affine& M, int out_w, int out_h) {
  check_warp_args(src, out_w, out_h, "warp_affine");
  Image out(out_w, out_h, src.channels);
  uint8_t* dst = out.pixels.data();
  auto sink = [dst](size_t o, const int* v, int cn) {
    for (int c = 0; c < cn; ++c) dst[o + c] = static_cast<uint8_t>(v[c]);
  };
  if (src.channels == 3)
    warp_rows<3>(Source{&src, 0, 0, src.width, src.height}, M, out_w, out_h, sink);
  else
    warp_rows<0>(Source{&src, 0, 0, src.width, src.height}, M, out_w, out_h, sink);
  return out;
}

namespace {
// ToTensor then Normalize, as PyTorch computes them in float32, tabulated per uint8 value.
void normalize_warp(const Source& src, const Affine& M, int out_w, int out_h, float* dst_hwc,
                    const std::array<float, 3>& mean, const std::array<float, 3>& stddev) {
  float lut[3][256];
  for (int c = 0; c < 3; ++c)
    for (int v = 0; v < 256; ++v) lut[c][v] = (static_cast<float>(v) / 255.0f - mean[c]) / stddev[c];
  auto sink = [dst_hwc, &lut](size_t o, const int* v, int) {
    dst_hwc[o] = lut[0][v[0]];
    dst_hwc[o + 1] = lut[1][v[1]];
    dst_hwc[o + 2] = lut[2][v[2]];
  };
  warp_rows<3>(src, M, out_w, out_h, sink);
}
}  // namespace

void warp_normalize(const Image& src, const Affine& M, int out_w, int out_h, float* dst_hwc,
                    const std::array<float, 3>& mean, const std::array<float, 3>& stddev) {
  check_warp_args(src, out_w, out_h, "warp_normalize");
  HR_CHECK(src.channels == 3, "warp_normalize: source has {} channels, expected 3 (RGB)",
           src.channels);
  normalize_warp(Source{&src, 0, 0, src.width, src.height}, M, out_w, out_h, dst_hwc, mean,
                 stddev);
}

void warp_normalize(const ImageRegion& src, const Affine& M, int out_w, int out_h, float* dst_hwc,
                    const std::array<float, 3>& mean, const std::array<float, 3>& stddev) {
  HR_CHECK(out_w > 0 && out_h > 0, "warp_normalize: output size {}x{} must be positive", out_w,
           out_h);
  HR_CHECK(src.full_width > 0 && src.full_height > 0, "warp_normalize: empty source image {}x{}",
           src.full_width, src.full_height);
  const Image& px = src.pixels;
  HR_CHECK(px.channels == 3, "warp_normalize: source has {} channels, expected 3 (RGB)",
           px.channels);
  HR_CHECK(px.pixels.size() == static_cast<size_t>(px.width) * px.height * 3,
           "warp_normalize: region holds {} bytes for {}x{}x3", px.pixels.size(), px.width,
           px.height);
  normalize_warp(Source{&px, src.x0, src.y0, src.full_width, src.full_height}, M, out_w, out_h,
                 dst_hwc, mean, stddev);
}

}  // namespace hr::data
