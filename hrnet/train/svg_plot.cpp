#include "hrnet/train/svg_plot.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

namespace hr::train {
namespace {

constexpr double kW = 640, kH = 400, kLeft = 80, kRight = 20, kTop = 40, kBottom = 60;
// Distinguishable colours (Okabe-Ito), cycled.
constexpr const char* kColors[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9"};

std::string escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '<') o += "&lt;";
    else if (c == '>') o += "&gt;";
    else if (c == '&') o += "&amp;";
    else if (c == '"') o += "&quot;";
    else o += c;
  }
  return o;
}

std::string tick_label(double v, double step) {
  // Enough decimals to tell neighbouring ticks apart, scientific for tiny or huge values.
  const double a = std::max(std::fabs(v), std::fabs(step));
  if (v != 0.0 && (a < 1e-3 || a >= 1e5)) return fmt::format("{:.2g}", v);
  const int decimals = std::max(0, int(std::ceil(-std::log10(step) - 1e-9)));
  return fmt::format("{:.{}f}", v, decimals);
}

}  // namespace

std::vector<double> nice_ticks(double lo, double hi, int target) {
  if (!(hi > lo)) return {lo};
  const double raw = (hi - lo) / std::max(1, target);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * mag >= raw) {
      step = m * mag;
      break;
    }
  std::vector<double> t;
  // k * step rather than repeated addition: no drift over many ticks.
  for (int64_t k = int64_t(std::ceil(lo / step - 1e-9)); double(k) * step <= hi + step * 1e-9; ++k)
    t.push_back(double(k) * step);
  return t;
}

std::string line_plot_svg(const std::string& title, const std::string& x_label,
                          const std::vector<PlotSeries>& series) {
  double x0 = std::numeric_limits<double>::infinity(), x1 = -x0, y0 = x0, y1 = -x0;
  for (const auto& s : series)
    for (size_t i = 0; i < std::min(s.x.size(), s.y.size()); ++i)
      if (std::isfinite(s.x[i]) && std::isfinite(s.y[i])) {
        x0 = std::min(x0, s.x[i]);
        x1 = std::max(x1, s.x[i]);
        y0 = std::min(y0, s.y[i]);
        y1 = std::max(y1, s.y[i]);
      }
  std::string o = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
      "font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      "<text x=\"{2}\" y=\"24\" text-anchor=\"middle\" font-size=\"16\">{3}</text>\n",
      kW, kH, kW / 2, escape(title));
  if (!std::isfinite(x0)) {
    o += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"#888\">no data yet</text>\n</svg>\n",
                     kW / 2, kH / 2);
    return o;
  }
  // Pad a flat range so a single point or a constant series still gets an axis.
  if (x1 == x0) { x0 -= 0.5; x1 += 0.5; }
  if (y1 == y0) {
    const double pad = y0 == 0.0 ? 1.0 : std::fabs(y0) * 0.1;
    y0 -= pad;
    y1 += pad;
  } else {
    const double pad = (y1 - y0) * 0.05;
    y0 -= pad;
    y1 += pad;
  }
  const double pw = kW - kLeft - kRight, ph = kH - kTop - kBottom;
  auto px = [&](double x) { return kLeft + (x - x0) / (x1 - x0) * pw; };
  auto py = [&](double y) { return kTop + (1.0 - (y - y0) / (y1 - y0)) * ph; };

  const auto yt = nice_ticks(y0, y1, 5), xt = nice_ticks(x0, x1, 8);
  const double ystep = yt.size() > 1 ? yt[1] - yt[0] : 1.0, xstep = xt.size() > 1 ? xt[1] - xt[0] : 1.0;
  for (double v : yt)
    o += fmt::format(
        "<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{2:.1f}\" y2=\"{1:.1f}\" stroke=\"#e0e0e0\"/>"
        "<text x=\"{3:.1f}\" y=\"{4:.1f}\" text-anchor=\"end\">{5}</text>\n",
        kLeft, py(v), kLeft + pw, kLeft - 6, py(v) + 4, tick_label(v, ystep));
  for (double v : xt)
    o += fmt::format(
        "<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\" stroke=\"#e0e0e0\"/>"
        "<text x=\"{0:.1f}\" y=\"{3:.1f}\" text-anchor=\"middle\">{4}</text>\n",
        px(v), kTop, kTop + ph, kTop + ph + 18, tick_label(v, xstep));
  o += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#333\"/>\n", kLeft,
                   kTop, pw, ph);
  o += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>\n", kLeft + pw / 2, kH - 16,
                   escape(x_label));

  int k = 0;
  for (const auto& s : series) {
    std::string pts;
    int n = 0;
    for (size_t i = 0; i < std::min(s.x.size(), s.y.size()); ++i)
      if (std::isfinite(s.x[i]) && std::isfinite(s.y[i])) {
        pts += fmt::format("{:.1f},{:.1f} ", px(s.x[i]), py(s.y[i]));
        ++n;
      }
    if (n == 0) continue;
    const char* c = kColors[k % std::size(kColors)];
    o += fmt::format("<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"2\" points=\"{}\"/>\n", c, pts);
    for (size_t i = 0; i < std::min(s.x.size(), s.y.size()); ++i)
      if (std::isfinite(s.x[i]) && std::isfinite(s.y[i]))
        o += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"2.5\" fill=\"{}\"/>\n", px(s.x[i]), py(s.y[i]), c);
    const double ly = kTop + 16 + 18 * k;
    o += fmt::format(
        "<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{2:.1f}\" y2=\"{1:.1f}\" stroke=\"{3}\" stroke-width=\"2\"/>"
        "<text x=\"{4:.1f}\" y=\"{5:.1f}\">{6}</text>\n",
        kLeft + pw - 130, ly, kLeft + pw - 110, c, kLeft + pw - 104, ly + 4, escape(s.name));
    ++k;
  }
  o += "</svg>\n";
  return o;
}

}  // namespace hr::train
