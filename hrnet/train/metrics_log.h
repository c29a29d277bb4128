// What a run leaves beside its checkpoints for people to read: log.jsonl (one JSON object per
// line: a "step" record every PRINT_FREQ steps, an "epoch" record per epoch, "start",
// "resume", "interrupt" and "final" events) and the SVG plots redrawn after every epoch from
// the epoch history.
#pragma once
#include <cstdio>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

namespace hr::train {

class MetricsLog {
 public:
  // Opens dir/log.jsonl: appending (a resumed run continues the same file) or truncating (a
  // fresh run replaces the checkpoint of an earlier one, so it starts a new log as well).
  MetricsLog(const std::filesystem::path& dir, bool append);
  ~MetricsLog();
  MetricsLog(const MetricsLog&) = delete;
  MetricsLog& operator=(const MetricsLog&) = delete;

  void write(const nlohmann::json& record);  // one line, flushed at once
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  std::FILE* f_ = nullptr;
};

// From the epoch records (objects with "epoch", "train_loss", "train_acc" and the validation
// hook's values): loss.svg (train_loss and every value whose name ends in "loss"),
// accuracy.svg (train_acc and every value ending in "acc") and <metric_name>.svg, each
// written atomically into `dir`.
void write_plots(const std::filesystem::path& dir, const nlohmann::json& history, const std::string& metric_name);

}  // namespace hr::train
