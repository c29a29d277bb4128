// The SVG line charts the trainer writes beside its checkpoints.
#include <catch2/catch.hpp>

#include <cmath>

#include "hrnet/train/svg_plot.h"

using namespace hr::train;

TEST_CASE("nice ticks are round steps covering the range", "[train][svg]") {
  const auto u = nice_ticks(0.0, 1.0, 5);
  REQUIRE(u.size() == 6);
  for (size_t i = 0; i < u.size(); ++i) CHECK(u[i] == Approx(0.2 * double(i)).margin(1e-12));
  const auto t = nice_ticks(0.00031, 0.00118, 5);
  REQUIRE(t.size() >= 3);
  CHECK(t.front() >= 0.00031);
  CHECK(t.back() <= 0.00118 + 1e-12);
  CHECK(std::fabs((t[1] - t[0]) - 2e-4) < 1e-12);
}

TEST_CASE("a line chart has one polyline per series, a legend and escaped text", "[train][svg]") {
  PlotSeries a{"train_loss", {0, 1, 2}, {3.0, 2.0, 1.5}};
  PlotSeries b{"val<loss>", {0, 1, 2}, {3.5, NAN, 2.5}};  // the NaN point is left out
  const std::string svg = line_plot_svg("loss & more", "epoch", {a, b});
  CHECK(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0) == 0);
  CHECK(svg.find("</svg>") != std::string::npos);
  size_t n = 0;
  for (size_t p = svg.find("<polyline"); p != std::string::npos; p = svg.find("<polyline", p + 1)) ++n;
  CHECK(n == 2);
  CHECK(svg.find("loss &amp; more") != std::string::npos);
  CHECK(svg.find("val&lt;loss&gt;") != std::string::npos);
  CHECK(svg.find("nan") == std::string::npos);
  size_t circles = 0;
  for (size_t p = svg.find("<circle"); p != std::string::npos; p = svg.find("<circle", p + 1)) ++circles;
  CHECK(circles == 5);
}

TEST_CASE("a chart without data says so", "[train][svg]") {
  CHECK(line_plot_svg("t", "epoch", {}).find("no data yet") != std::string::npos);
  CHECK(line_plot_svg("t", "epoch", {{"x", {0}, {NAN}}}).find("no data yet") != std::string::npos);
}
