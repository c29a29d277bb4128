#include "hrnet/train/metrics_log.h"

#include <cctype>
#include <cerrno>
#include <cstring>
#include <map>

#include "engine/error.h"
#include "engine/io/file.h"
#include "hrnet/train/svg_plot.h"

namespace hr::train {

MetricsLog::MetricsLog(const std::filesystem::path& dir, bool append) : path_(dir / "log.jsonl") {
  f_ = std::fopen(path_.c_str(), append ? "a" : "w");
  HR_CHECK(f_ != nullptr, "{}: cannot open for writing: {}", path_.string(), std::strerror(errno));
}

MetricsLog::~MetricsLog() {
  if (f_) std::fclose(f_);
}

void MetricsLog::write(const nlohmann::json& record) {
  const std::string line = record.dump() + "\n";
  HR_CHECK(std::fwrite(line.data(), 1, line.size(), f_) == line.size() && std::fflush(f_) == 0,
           "{}: write failed: {}", path_.string(), std::strerror(errno));
}

namespace {


// One series per key of the epoch records that `want` accepts, x = epoch.
std::vector<PlotSeries> series_of(const nlohmann::json& history, bool (*want)(const std::string&)) {
  std::map<std::string, PlotSeries> by_name;
  std::vector<std::string> order;
  for (const auto& rec : history) {
    for (auto it = rec.begin(); it != rec.end(); ++it) {
      if (!it.value().is_number() || !want(it.key())) continue;
      if (!by_name.count(it.key())) order.push_back(it.key());
      auto& s = by_name[it.key()];
      s.name = it.key();
      s.x.push_back(rec.at("epoch").get<double>());
      s.y.push_back(it.value().get<double>());
    }
  }
  std::vector<PlotSeries> out;
  for (const auto& n : order) out.push_back(by_name[n]);
  return out;
}

}  // namespace

void write_plots(const std::filesystem::path& dir, const nlohmann::json& history, const std::string& metric_name) {
  io::write_file_atomic((dir / "loss.svg").string(),
                        line_plot_svg("loss per epoch", "epoch", series_of(history, [](const std::string& k) {
                                        return k.size() >= 4 && k.ends_with("loss");
                                      })));
  io::write_file_atomic((dir / "accuracy.svg").string(),
                        line_plot_svg("accuracy per epoch (heatmap PCK@0.5)", "epoch",
                                      series_of(history, [](const std::string& k) { return k.ends_with("acc"); })));
  if (metric_name.empty()) return;
  // The metric's series: the records store it under its own name (e.g. "val_acc", "AP").
  std::vector<PlotSeries> m(1);
  m[0].name = metric_name;
  for (const auto& rec : history)
    if (rec.contains(metric_name) && rec[metric_name].is_number()) {
      m[0].x.push_back(rec.at("epoch").get<double>());
      m[0].y.push_back(rec[metric_name].get<double>());
    }
  std::string file = metric_name;  // a metric name like "AP@0.5" must still make a plain file name
  for (char& c : file)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.') c = '_';
  io::write_file_atomic((dir / (file + ".svg")).string(),
                        line_plot_svg(metric_name + " per epoch (selects model_best)", "epoch", m));
}

}  // namespace hr::train
