#include "hrnet/train/progress.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>

namespace hr::train {

Progress::Progress(std::FILE* out, bool tty, int every) : out_(out), tty_(tty), every_(std::max(1, every)) {}

bool Progress::is_tty(std::FILE* f) { return f && ::isatty(::fileno(f)) == 1; }

std::string Progress::format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "--:--";
  const int64_t s = int64_t(seconds + 0.5);
  if (s >= 3600) return fmt::format("{}:{:02d}:{:02d}", s / 3600, (s / 60) % 60, s % 60);
  return fmt::format("{}:{:02d}", s / 60, s % 60);
}

std::string Progress::render(const ProgressStats& s, bool with_bar) const {
  std::string bar;
  if (with_bar) {
    constexpr int kWidth = 24;
    const int filled = s.batches > 0 ? int(kWidth * s.batch / s.batches) : 0;
    bar = fmt::format("[{}{}] ", std::string(size_t(filled), '#'), std::string(size_t(kWidth - filled), '.'));
  }
  return fmt::format("epoch {} {}{}/{} eta {} loss {:.6f} acc {:.3f} lr {:.3g} {:.1f} img/s", s.epoch, bar,
                     s.batch, s.batches, format_duration(s.eta_s), s.loss, s.acc, s.lr, s.images_per_s);
}

void Progress::update(const ProgressStats& s) {
  if (tty_) {
    // \x1b[K clears what a longer previous line left behind.
    fmt::print(out_, "\r{}\x1b[K", render(s, true));
    line_open_ = true;
  } else if (s.batch % every_ == 0 || s.batch == 1) {
    fmt::print(out_, "{}\n", render(s, false));
  }
  std::fflush(out_);
}

void Progress::message(const std::string& text) {
  if (line_open_) fmt::print(out_, "\n");
  line_open_ = false;
  fmt::print(out_, "{}\n", text);
  std::fflush(out_);
}

void Progress::end_epoch(const ProgressStats& s) {
  if (tty_) {
    fmt::print(out_, "\r{}\x1b[K\n", render(s, true));
    line_open_ = false;
  } else if (s.batch % every_ != 0 && s.batch != 1) {
    fmt::print(out_, "{}\n", render(s, false));
  }
  std::fflush(out_);
}

}  // namespace hr::train
