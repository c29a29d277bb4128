#include "datasets/eval/coco/json_fields.h"

#include <cmath>

#include "engine/error.h"

namespace hr::data::cocoeval::detail {

void fail_field(const JsonCursor& c, const Where& w, const char* field, const std::string& what) {
  fail("{}: {}[{}].{}: {}", c.file(), w.array, w.index, field, what);
}

double read_number(JsonCursor& c, const Where& w, const char* field) {
  switch (c.peek()) {
    case JsonType::Number: return c.number();
    case JsonType::Bool: return c.boolean() ? 1.0 : 0.0;
    default: fail_field(c, w, field, "expected a number");
  }
}

int64_t read_id(JsonCursor& c, const Where& w, const char* field) {
  if (c.peek() != JsonType::Number) fail_field(c, w, field, "expected an integer");
  bool is_int = false;
  int64_t v = 0;
  const double d = c.number(&is_int, &v);
  if (is_int) return v;
  // Python compares 785.0 == 785 and hashes them alike, so an integral float is the same id.
  if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.2e18) return static_cast<int64_t>(d);
  fail_field(c, w, field, fmt::format("expected an integer, got {}", d));
}

void read_numbers(JsonCursor& c, const Where& w, const char* field, long n, std::vector<double>& out) {
  out.clear();
  if (c.peek() != JsonType::Array) fail_field(c, w, field, "expected an array of numbers");
  c.begin_array();
  if (!c.number_array(out)) fail_field(c, w, field, fmt::format("element {} is not a number", out.size()));
  if (n >= 0 && static_cast<long>(out.size()) != n)
    fail_field(c, w, field, fmt::format("has {} numbers, expected {}", out.size(), n));
}

}  // namespace hr::data::cocoeval::detail
