// The evaluator's own JSON number parsing must give the doubles Python's float() gives
// (correctly rounded), whatever the digit count: checked against strtod on many values
// printed both shortest (Python's repr) and with 17 digits.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <cstdlib>
#include <cstring>
#include <random>

#include "datasets/eval/coco/json_cursor.h"

using hr::data::cocoeval::detail::JsonCursor;

namespace {
double parse_one(const std::string& text) {
  JsonCursor c(text, "test");
  const double d = c.number();
  c.expect_end();
  return d;
}
bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }
}  // namespace

TEST_CASE("JSON numbers are correctly rounded doubles", "[coco_eval]") {
  std::mt19937_64 rng(123);
  std::uniform_real_distribution<double> u(0, 1);
  int checked = 0;
  for (int i = 0; i < 20000; ++i) {
    const double scale = std::pow(10.0, static_cast<int>(rng() % 40) - 20);
    const double v = (u(rng) - 0.3) * scale;
    for (const std::string& s : {fmt::format("{}", v), fmt::format("{:.17g}", v), fmt::format("{:.6f}", v),
                                 fmt::format("{:.3e}", v)}) {
      const double want = std::strtod(s.c_str(), nullptr);
      INFO(s);
      REQUIRE(same_bits(parse_one(s), want));
      ++checked;
    }
  }
  CHECK(checked == 80000);
  // Mantissas of 17 to 19 digits with exponents of +-19: the exact 128-bit rounding path.
  for (int i = 0; i < 50000; ++i) {
    const uint64_t mant = rng() % 10000000000000000000ull;
    const int e = static_cast<int>(rng() % 39) - 19;
    const std::string s = std::to_string(mant) + "e" + std::to_string(e);
    const std::string t = std::to_string(mant % 1000) + "." + std::to_string(mant) ;
    INFO(s << " / " << t);
    REQUIRE(same_bits(parse_one(s), std::strtod(s.c_str(), nullptr)));
    REQUIRE(same_bits(parse_one(t), std::strtod(t.c_str(), nullptr)));
  }
  // Edge cases: long mantissas, extremes, integers, ties.
  for (const char* s : {"0", "-0.0", "123456789012345678901234567890", "0.1", "1e22", "1e23", "9007199254740993",
                        "1.7976931348623157e308", "5e-324", "2.2250738585072014e-308", "0.30000000000000004",
                        "1234567890123456789", "-9223372036854775808", "0.000000000000000000000000001234", "1e400",
                        "-1e-400", "1e-320", "9007199254740993e0", "9007199254740995e0", "9007199254740993.0",
                        "18446744073709551615e-19", "9999999999999999999e19", "1000000000000000000e-19"}) {
    INFO(s);
    CHECK(same_bits(parse_one(s), std::strtod(s, nullptr)));
  }
  // 400 zeros after the point: underflows to 0 as in Python (digit runs past 19 take the slow path).
  const std::string tiny = std::string("0.") + std::string(400, '0') + "1";
  CHECK(same_bits(parse_one(tiny), 0.0));
  bool is_int = false;
  int64_t v = 0;
  JsonCursor c("9007199254740993", "t");
  c.number(&is_int, &v);
  CHECK(is_int);
  CHECK(v == 9007199254740993);  // ids keep every digit
}
