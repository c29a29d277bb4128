// A small line-chart writer for the training plots (loss.svg, accuracy.svg, <metric>.svg):
// plain SVG text, no dependencies, readable in any browser.
#pragma once
#include <string>
#include <vector>

namespace hr::train {

struct PlotSeries {
  std::string name;  // legend entry
  std::vector<double> x, y;  // same length; non-finite points are left out
};

// A line chart with axes, ticks, a grid, a title and a legend. Series with no finite point are
// skipped; with none at all the chart says "no data yet".
std::string line_plot_svg(const std::string& title, const std::string& x_label,
                          const std::vector<PlotSeries>& series);

// "Nice" tick values covering [lo, hi] with about `target` ticks (steps of 1, 2 or 5 x 10^k).
std::vector<double> nice_ticks(double lo, double hi, int target = 5);

}  // namespace hr::train
