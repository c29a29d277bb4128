// The training progress display: on a terminal one line redrawn in place (bar, ETA, loss,
// accuracy, learning rate, images/s); otherwise (a file, a CI log) a plain line every N steps
// and at the end of each epoch, so logs stay readable.
#pragma once
#include <cstdint>
#include <cstdio>
#include <string>

namespace hr::train {

struct ProgressStats {
  int epoch = 0;
  int64_t batch = 0, batches = 0;  // batches done in the epoch, and per epoch
  double loss = 0.0, acc = 0.0;    // running averages of the epoch
  double lr = 0.0, images_per_s = 0.0, eta_s = 0.0;
};

class Progress {
 public:
  // tty: redraw one line (carriage return); else print every `every` batches (>= 1).
  Progress(std::FILE* out, bool tty, int every);
  void update(const ProgressStats& s);
  // A message on its own line (the bar, if drawn, is finished first).
  void message(const std::string& text);
  void end_epoch(const ProgressStats& s);

  static bool is_tty(std::FILE* f);
  static std::string format_duration(double seconds);  // "1:02:03", "4:05"

 private:
  std::string render(const ProgressStats& s, bool with_bar) const;
  std::FILE* out_;
  bool tty_;
  int every_;
  bool line_open_ = false;
};

}  // namespace hr::train
