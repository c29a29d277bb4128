// DARK (mmpose 0.x post_process='unbiased'): the golden cases, OpenCV's kernel, and the Taylor
// step on maps whose answer is known in closed form.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "datasets/eval/postprocess/dark.h"
#include "datasets/eval/postprocess/decode.h"
#include "engine/error.h"
#include "postprocess_fixtures.h"

using namespace hr::data::post;
using hr::test::post::decode_case;

namespace {

// exp(q(x, y)) for a concave quadratic q with its maximum at (x0, y0) and a cross term, so its
// log is exactly quadratic and one Newton step from any point lands on (x0, y0).
std::vector<float> exp_quadratic(int w, int h, double x0, double y0) {
  std::vector<float> m(static_cast<size_t>(w) * h);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const double dx = x - x0, dy = y - y0;
      m[static_cast<size_t>(y) * w + x] =
          static_cast<float>(std::exp(-(dx * dx / 8.0 + dy * dy / 12.0 - 0.05 * dx * dy)));
    }
  return m;
}

std::vector<float> log_of(std::vector<float> m) {
  for (float& v : m) v = std::log(v);
  return m;
}

}  // namespace

TEST_CASE("DARK heatmap coordinates match mmpose's on every golden case", "[postprocess][dark]") {
  // Measured: within 2e-6 px of mmpose's float32 numpy (the Taylor step here runs in double).
  // The fixture script rejects cases whose answer moves by 1e-4 px between float32 and float64
  // arithmetic, so 2e-5 still separates rounding from a wrong stencil by far.
  for (const char* name : {"tiny", "coco", "mpii", "odd"}) {
    const auto& c = decode_case(name);
    INFO("case " << name);
    const auto got = decode_heatmaps(c.heatmaps.data(), c.shape, PostProcess::Dark);
    REQUIRE(got.size() * 2 == c.hm_dark.size());
    int moved = 0;
    for (size_t k = 0; k < got.size(); ++k) {
      INFO("instance-joint " << k);
      CHECK(got[k].x == Approx(c.hm_dark[2 * k]).margin(2e-5).epsilon(0));
      CHECK(got[k].y == Approx(c.hm_dark[2 * k + 1]).margin(2e-5).epsilon(0));
      moved += got[k].x != c.max_coords[2 * k] || got[k].y != c.max_coords[2 * k + 1];
    }
    CHECK(moved > 0);  // the case exercises the refinement, not only the border rule
  }
}

TEST_CASE("dark_gaussian_kernel equals cv2.getGaussianKernel(k, 0) as float32",
          "[postprocess][dark]") {
  // Values printed by cv2.getGaussianKernel(11, 0, ktype=cv2.CV_32F) (OpenCV 5.0).
  const float want[11] = {0.00881222914904356f, 0.027143577113747597f, 0.06511405855417252f,
                          0.12164907157421112f, 0.17699836194515228f, 0.2005654126405716f,
                          0.17699836194515228f, 0.12164907157421112f, 0.06511405855417252f,
                          0.027143577113747597f, 0.00881222914904356f};
  const std::vector<float> k = dark_gaussian_kernel(11);
  REQUIRE(k.size() == 11);
  for (int i = 0; i < 11; ++i) CHECK(k[i] == want[i]);
  CHECK(dark_gaussian_kernel(17)[8] == 0.13801118731498718f);  // sigma 2.6 for 17
  CHECK_THROWS_AS(dark_gaussian_kernel(10), hr::Error);
}

TEST_CASE("dark_modulate: zero padding, the original maximum restored", "[postprocess][dark]") {
  const int w = 9, h = 7;
  std::vector<float> m(w * h, 0.f), out(w * h);
  m[3 * w + 4] = 2.0f;  // a single spike in the middle
  dark_modulate(m.data(), h, w, 11, out.data());
  // The spike spreads as the separable kernel's outer product, scaled back to a peak of 2.
  const std::vector<float> k = dark_gaussian_kernel(11);
  const double peak = double(k[5]) * k[5];
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      INFO("(" << x << ", " << y << ")");
      const double want = 2.0 * double(k[5 + x - 4]) * k[5 + y - 3] / peak;
      CHECK(out[y * w + x] == Approx(want).epsilon(1e-6));
    }
  // A spike in the corner: the taps that fall off the map read 0 (not a reflected border), so
  // the neighbour inside holds k[6]/k[5] of the peak on each axis.
  std::fill(m.begin(), m.end(), 0.f);
  m[0] = 1.0f;
  dark_modulate(m.data(), h, w, 11, out.data());
  CHECK(out[0] == Approx(1.0).epsilon(1e-6));
  CHECK(out[1] == Approx(double(k[6]) / k[5]).epsilon(1e-6));
  // An all-zero map: 0/0, as mmpose (never used: its argmax is not refined).
  std::fill(m.begin(), m.end(), 0.f);
  dark_modulate(m.data(), h, w, 11, out.data());
  CHECK(std::isnan(out[0]));
}

TEST_CASE("dark_taylor_step: one Newton step finds the peak of a log-quadratic map",
          "[postprocess][dark]") {
  const int w = 20, h = 16;
  const auto L = log_of(exp_quadratic(w, h, 9.3, 7.6));
  KeypointPred p{9.f, 8.f, 1.f};  // near the peak, not on it
  REQUIRE(dark_taylor_step(L.data(), h, w, p));
  CHECK(p.x == Approx(9.3).margin(1e-4));
  CHECK(p.y == Approx(7.6).margin(1e-4));
  CHECK(p.score == 1.f);  // only the position moves
}

TEST_CASE("dark_taylor_step: stencil border rule and the singular-Hessian guard",
          "[postprocess][dark]") {
  const int w = 10, h = 9;
  const auto L = log_of(exp_quadratic(w, h, 4.4, 4.4));
  // 1 < px < W-2 and 1 < py < H-2: px = 2 and W-3 move, px = 1 and W-2 do not.
  for (int px : {1, 2, w - 3, w - 2}) {
    KeypointPred p{static_cast<float>(px), 4.f, 1.f};
    const bool inside = px > 1 && px < w - 2;
    INFO("px " << px);
    CHECK(dark_taylor_step(L.data(), h, w, p) == inside);
    CHECK((p.x != static_cast<float>(px)) == inside);
  }
  for (int py : {1, 2, h - 3, h - 2}) {
    KeypointPred p{4.f, static_cast<float>(py), 1.f};
    INFO("py " << py);
    CHECK(dark_taylor_step(L.data(), h, w, p) == (py > 1 && py < h - 2));
  }
  // A ridge constant along x: dxx = dxy = 0, det = 0 exactly -> no step.
  std::vector<float> ridge(w * h);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) ridge[y * w + x] = -0.1f * (y - 4) * (y - 4);
  KeypointPred p{5.f, 3.f, 1.f};
  CHECK_FALSE(dark_taylor_step(ridge.data(), h, w, p));
  CHECK((p.x == 5.f && p.y == 3.f));
}

TEST_CASE("DARK recovers a sub-pixel Gaussian peak that the quarter offset cannot",
          "[postprocess][dark]") {
  // A sigma-2 Gaussian (the training target) centred off the grid: after DARK's sigma-2 blur
  // it stays nearly Gaussian, so the Taylor step lands within a few hundredths of a pixel;
  // the quarter offset can only reach a multiple of 0.25.
  const int w = 48, h = 64;
  const double x0 = 20.37, y0 = 31.81;
  std::vector<float> m(w * h);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      m[y * w + x] = static_cast<float>(
          std::exp(-((x - x0) * (x - x0) + (y - y0) * (y - y0)) / (2 * 2.0 * 2.0)));
  const HeatmapShape s{1, 1, h, w};
  const KeypointPred dark = decode_heatmaps(m.data(), s, PostProcess::Dark)[0];
  const KeypointPred quarter = decode_heatmaps(m.data(), s, PostProcess::Default)[0];
  CHECK(dark.x == Approx(x0).margin(0.02));
  CHECK(dark.y == Approx(y0).margin(0.02));
  CHECK(std::abs(quarter.x - x0) > 0.1);
}
