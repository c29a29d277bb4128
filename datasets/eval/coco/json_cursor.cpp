#include "datasets/eval/coco/json_cursor.h"

#include <charconv>
#include <cmath>
#include <limits>

#include "engine/error.h"

namespace hr::data::cocoeval::detail {

void JsonCursor::fail_at(size_t pos, std::string_view what) const {
  size_t line = 1, col = 1;
  for (size_t i = 0; i < pos && i < s_.size(); ++i) {
    if (s_[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  ::hr::fail("{}: malformed JSON at line {}, column {} (byte {}): {}", file_, line, col, pos, what);
}

void JsonCursor::fail(std::string_view what) const { fail_at(p_, what); }

void JsonCursor::skip_ws() {
  while (p_ < s_.size()) {
    const char c = s_[p_];
    if (c != ' ' && c != '\n' && c != '\r' && c != '\t') return;
    ++p_;
  }
}

JsonType JsonCursor::peek() {
  skip_ws();
  if (p_ >= s_.size()) return JsonType::End;
  switch (s_[p_]) {
    case '{': return JsonType::Object;
    case '[': return JsonType::Array;
    case '"': return JsonType::String;
    case 't': case 'f': return JsonType::Bool;
    case 'n': return JsonType::Null;
    default: return JsonType::Number;  // number() reports a bad token
  }
}

void JsonCursor::expect(char c, const char* what) {
  skip_ws();
  if (p_ >= s_.size()) fail(fmt::format("unexpected end of file, expected {}", what));
  if (s_[p_] != c) fail(fmt::format("expected {}", what));
  ++p_;
}

void JsonCursor::begin_object() { expect('{', "an object '{'"); }
void JsonCursor::begin_array() { expect('[', "an array '['"); }

bool JsonCursor::next_member(bool& first, std::string& key) {
  skip_ws();
  if (p_ >= s_.size()) fail("unexpected end of file inside an object");
  if (first) {
    first = false;
    if (s_[p_] == '}') {
      ++p_;
      return false;
    }
  } else {
    if (s_[p_] == '}') {
      ++p_;
      return false;
    }
    if (s_[p_] != ',') fail("expected ',' or '}'");
    ++p_;
  }
  key = string();
  expect(':', "':'");
  return true;
}

bool JsonCursor::next_element(bool& first) {
  skip_ws();
  if (p_ >= s_.size()) fail("unexpected end of file inside an array");
  if (first) {
    first = false;
    if (s_[p_] == ']') {
      ++p_;
      return false;
    }
    return true;
  }
  if (s_[p_] == ']') {
    ++p_;
    return false;
  }
  if (s_[p_] != ',') fail("expected ',' or ']'");
  ++p_;
  skip_ws();
  if (p_ < s_.size() && s_[p_] == ']') fail("trailing ',' in an array");
  return true;
}

std::string JsonCursor::string() {
  skip_ws();
  if (p_ >= s_.size() || s_[p_] != '"') fail("expected a string");
  ++p_;
  std::string out;
  while (true) {
    if (p_ >= s_.size()) fail("unterminated string");
    const char c = s_[p_++];
    if (c == '"') return out;
    if (static_cast<unsigned char>(c) < 0x20) fail_at(p_ - 1, "control character in a string");
    if (c != '\\') {
      out.push_back(c);
      continue;
    }
    if (p_ >= s_.size()) fail("unterminated string");
    const char e = s_[p_++];
    switch (e) {
      case '"': out.push_back('"'); break;
      case '\\': out.push_back('\\'); break;
      case '/': out.push_back('/'); break;
      case 'b': out.push_back('\b'); break;
      case 'f': out.push_back('\f'); break;
      case 'n': out.push_back('\n'); break;
      case 'r': out.push_back('\r'); break;
      case 't': out.push_back('\t'); break;
      case 'u': {
        if (p_ + 4 > s_.size()) fail("short \\u escape");
        unsigned v = 0;
        for (int i = 0; i < 4; ++i) {
          const char h = s_[p_++];
          v <<= 4;
          if (h >= '0' && h <= '9') v |= unsigned(h - '0');
          else if (h >= 'a' && h <= 'f') v |= unsigned(h - 'a' + 10);
          else if (h >= 'A' && h <= 'F') v |= unsigned(h - 'A' + 10);
          else fail_at(p_ - 1, "bad \\u escape");
        }
        // Keys and names only need to compare equal; encode the code unit as UTF-8.
        if (v < 0x80) {
          out.push_back(char(v));
        } else if (v < 0x800) {
          out.push_back(char(0xC0 | (v >> 6)));
          out.push_back(char(0x80 | (v & 0x3F)));
        } else {
          out.push_back(char(0xE0 | (v >> 12)));
          out.push_back(char(0x80 | ((v >> 6) & 0x3F)));
          out.push_back(char(0x80 | (v & 0x3F)));
        }
        break;
      }
      default: fail_at(p_ - 1, "bad escape in a string");
    }
  }
}

void JsonCursor::skip_string() {
  ++p_;  // opening quote
  while (true) {
    const size_t q = s_.find_first_of("\"\\", p_);
    if (q == std::string_view::npos) fail("unterminated string");
    if (s_[q] == '"') {
      p_ = q + 1;
      return;
    }
    p_ = q + 2;  // skip the escaped character
  }
}

size_t JsonCursor::scan_number() {
  size_t q = p_;
  auto digit = [&](size_t i) { return i < s_.size() && s_[i] >= '0' && s_[i] <= '9'; };
  if (q < s_.size() && s_[q] == '-') ++q;
  if (!digit(q)) fail("expected a value");
  if (s_[q] == '0') {
    ++q;
  } else {
    while (digit(q)) ++q;
  }
  if (q < s_.size() && s_[q] == '.') {
    ++q;
    if (!digit(q)) fail_at(q, "expected a digit after '.'");
    while (digit(q)) ++q;
  }
  if (q < s_.size() && (s_[q] == 'e' || s_[q] == 'E')) {
    ++q;
    if (q < s_.size() && (s_[q] == '+' || s_[q] == '-')) ++q;
    if (!digit(q)) fail_at(q, "expected a digit in the exponent");
    while (digit(q)) ++q;
  }
  return q;
}

double JsonCursor::number(bool* is_int, int64_t* as_int) {
  skip_ws();
  if (is_int) *is_int = false;
  if (p_ >= s_.size()) fail("unexpected end of file, expected a number");
  // Python's json.load extensions.
  const std::string_view rest = s_.substr(p_);
  if (rest.starts_with("NaN")) {
    p_ += 3;
    return std::numeric_limits<double>::quiet_NaN();
  }
  if (rest.starts_with("Infinity")) {
    p_ += 8;
    return std::numeric_limits<double>::infinity();
  }
  if (rest.starts_with("-Infinity")) {
    p_ += 9;
    return -std::numeric_limits<double>::infinity();
  }
  const char c = s_[p_];
  if (c != '-' && (c < '0' || c > '9')) fail("expected a number");
  const size_t end = scan_number();
  const char* b = s_.data() + p_;
  const char* e = s_.data() + end;
  bool integral = true;
  for (const char* t = b; t < e; ++t)
    if (*t == '.' || *t == 'e' || *t == 'E') integral = false;
  if (integral) {
    int64_t v = 0;
    const auto r = std::from_chars(b, e, v);
    if (r.ec == std::errc() && r.ptr == e) {
      p_ = end;
      if (is_int) *is_int = true;
      if (as_int) *as_int = v;
      return static_cast<double>(v);
    }
  }
  double d = 0;
  const auto r = std::from_chars(b, e, d);
  // Out of range: Python gives inf for huge literals; from_chars reports it, so map it.
  if (r.ec == std::errc::result_out_of_range) {
    bool exp_neg = false;
    for (const char* t = b; t < e; ++t)
      if ((*t == 'e' || *t == 'E') && t + 1 < e && t[1] == '-') exp_neg = true;
    d = exp_neg ? 0.0 : std::numeric_limits<double>::infinity();
    if (*b == '-') d = -d;
  } else if (r.ec != std::errc() || r.ptr != e) {
    fail("bad number");
  }
  p_ = end;
  return d;
}

bool JsonCursor::boolean() {
  skip_ws();
  const std::string_view rest = s_.substr(p_);
  if (rest.starts_with("true")) {
    p_ += 4;
    return true;
  }
  if (rest.starts_with("false")) {
    p_ += 5;
    return false;
  }
  fail("expected true or false");
}

void JsonCursor::null() {
  skip_ws();
  if (!s_.substr(p_).starts_with("null")) fail("expected null");
  p_ += 4;
}

void JsonCursor::skip_value() {
  switch (peek()) {
    case JsonType::Object: {
      begin_object();
      bool first = true;
      std::string key;
      while (next_member(first, key)) skip_value();
      return;
    }
    case JsonType::Array: {
      begin_array();
      bool first = true;
      while (next_element(first)) skip_value();
      return;
    }
    case JsonType::String: skip_string(); return;
    case JsonType::Bool: boolean(); return;
    case JsonType::Null: null(); return;
    case JsonType::Number: number(); return;
    case JsonType::End: fail("unexpected end of file, expected a value");
  }
}

void JsonCursor::expect_end() {
  skip_ws();
  if (p_ != s_.size()) fail("extra data after the top-level value");
}

}  // namespace hr::data::cocoeval::detail
