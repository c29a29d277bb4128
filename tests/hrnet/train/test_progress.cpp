// The progress display: plain lines every N batches off a terminal, one redrawn line on one.
#include <catch2/catch.hpp>

#include <cstdio>
#include <string>

#include "hrnet/train/progress.h"

using namespace hr::train;

namespace {

std::string contents(std::FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string s;
  for (int c; (c = std::fgetc(f)) != EOF;) s += char(c);
  return s;
}

size_t count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("progress off a terminal prints a line every N batches and at the epoch end", "[train][progress]") {
  std::FILE* f = std::tmpfile();
  REQUIRE(f);
  Progress p(f, /*tty=*/false, /*every=*/3);
  for (int64_t b = 1; b <= 7; ++b) p.update({2, b, 7, 0.5, 0.25, 1e-3, 12.0, 30.0});
  p.end_epoch({2, 7, 7, 0.5, 0.25, 1e-3, 12.0, 0.0});
  const std::string s = contents(f);
  CHECK(count(s, "\n") == 4);  // batches 1, 3, 6 and the epoch's end
  CHECK(s.find('\r') == std::string::npos);
  CHECK(s.find("epoch 2 1/7 eta 0:30 loss 0.500000 acc 0.250 lr 0.001 12.0 img/s") != std::string::npos);
  CHECK(s.find("epoch 2 7/7") != std::string::npos);
  std::fclose(f);
}

TEST_CASE("progress on a terminal redraws one line with a bar", "[train][progress]") {
  std::FILE* f = std::tmpfile();
  REQUIRE(f);
  Progress p(f, /*tty=*/true, 100);
  p.update({0, 1, 4, 1.0, 0.0, 1e-3, 5.0, 3725.0});
  p.update({0, 2, 4, 1.0, 0.0, 1e-3, 5.0, 60.0});
  p.message("=> note");
  const std::string s = contents(f);
  CHECK(count(s, "\r") == 2);
  CHECK(s.find("[############............]") != std::string::npos);  // 2 of 4
  CHECK(s.find("eta 1:02:05") != std::string::npos);
  CHECK(s.find("\n=> note\n") != std::string::npos);  // the open bar line is ended first
  std::fclose(f);
}

TEST_CASE("durations read as h:mm:ss or m:ss", "[train][progress]") {
  CHECK(Progress::format_duration(0) == "0:00");
  CHECK(Progress::format_duration(65.4) == "1:05");
  CHECK(Progress::format_duration(3600) == "1:00:00");
  CHECK(Progress::format_duration(-1) == "--:--");
}
