#include "datasets/eval/coco/json_cursor.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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
  const char* p = s_.data() + p_;
  const char* const end = s_.data() + s_.size();
  // Most calls stand on a token already; whitespace bytes are all <= ' '.
  if (p < end && static_cast<unsigned char>(*p) > ' ') return;
#if defined(__SSE2__)
  // Indented files (the official results writer uses indent 4) put a newline and a dozen
  // spaces before every number: test 16 bytes at a time.
  while (end - p >= 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i ws = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(' ')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\n'))),
                                    _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\r')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\t'))));
    const unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(ws));
    if (mask != 0xFFFFu) {
      p_ = static_cast<size_t>(p - s_.data()) + static_cast<size_t>(__builtin_ctz(~mask));
      return;
    }
    p += 16;
  }
#endif
  while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) ++p;
  p_ = static_cast<size_t>(p - s_.data());
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
    // Copy the run of plain characters in one go.
    size_t q = p_;
    while (q < s_.size()) {
      const unsigned char u = static_cast<unsigned char>(s_[q]);
      if (u == '"' || u == '\\' || u < 0x20) break;
      ++q;
    }
    out.append(s_.data() + p_, q - p_);
    p_ = q;
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

namespace {
// 10^0 .. 10^22 are exact doubles (Clinger's fast path).
constexpr double kPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                             1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
inline bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Eight ASCII digits at p (the caller checks p + 8 <= end): subtracting '0' sets a byte's top
// bit below '0', adding 0x46 sets it from ':' up; carries and borrows between bytes can only
// make the test fail, never pass a non-digit.
inline bool eight_digits(const char* p, uint64_t& v) {
  std::memcpy(&v, p, 8);
  return (((v - 0x3030303030303030ull) | (v + 0x4646464646464646ull)) & 0x8080808080808080ull) == 0;
}
// Their value: bytes d0..d7 (d0 first, in the low byte) combined pairwise: 2-digit values in
// 16-bit lanes, then 4-digit values in 32-bit lanes, then the 8-digit value.
inline uint64_t eight_digit_value(uint64_t v) {
  v -= 0x3030303030303030ull;
  v = (v * 10 + (v >> 8)) & 0x00FF00FF00FF00FFull;
  v = (v * 100 + (v >> 16)) & 0x0000FFFF0000FFFFull;
  return (v * 10000 + (v >> 32)) & 0xFFFFFFFFull;
}

constexpr uint64_t kPow10Int[] = {1ull,
                                  10ull,
                                  100ull,
                                  1000ull,
                                  10000ull,
                                  100000ull,
                                  1000000ull,
                                  10000000ull,
                                  100000000ull,
                                  1000000000ull,
                                  10000000000ull,
                                  100000000000ull,
                                  1000000000000ull,
                                  10000000000000ull,
                                  100000000000000ull,
                                  1000000000000000ull,
                                  10000000000000000ull,
                                  100000000000000000ull,
                                  1000000000000000000ull,
                                  10000000000000000000ull};

using u128 = unsigned __int128;
inline int bit_length(u128 x) {
  const uint64_t hi = static_cast<uint64_t>(x >> 64), lo = static_cast<uint64_t>(x);
  return hi ? 128 - __builtin_clzll(hi) : (lo ? 64 - __builtin_clzll(lo) : 0);
}

// mant * 10^e10 rounded to nearest, ties to even, for 1 <= mant < 2^64 and |e10| <= 19:
// the exact product, or a quotient with at least 64 bits and a sticky remainder, rounded to
// 53 bits in 128-bit integers. (Clinger's fast path misses mantissas above 2^53: 17-digit
// reprs, about half the numbers of a results file.)
double scale_exact(uint64_t mant, long e10) {
  u128 q;
  bool sticky = false;
  int exp2 = 0;
  if (e10 >= 0) {
    q = static_cast<u128>(mant) * kPow10Int[e10];
  } else {
    const int shift = 128 - bit_length(mant);  // numerator with its top bit at bit 127
    const u128 num = static_cast<u128>(mant) << shift;
    const uint64_t den = kPow10Int[-e10];
    q = num / den;
    sticky = num % den != 0;
    exp2 = -shift;
  }
  int drop = bit_length(q) - 53;
  if (drop <= 0) return std::ldexp(static_cast<double>(static_cast<uint64_t>(q)), exp2);  // exact
  u128 keep = q >> drop;
  const u128 rem = q & ((static_cast<u128>(1) << drop) - 1);
  const u128 half = static_cast<u128>(1) << (drop - 1);
  if (rem > half || (rem == half && (sticky || (keep & 1)))) ++keep;
  if (keep == (static_cast<u128>(1) << 53)) keep >>= 1, ++drop;
  return std::ldexp(static_cast<double>(static_cast<uint64_t>(keep)), drop + exp2);
}
}  // namespace

double JsonCursor::number(bool* is_int, int64_t* as_int) {
  skip_ws();
  if (is_int) *is_int = false;
  const char* const begin = s_.data() + p_;
  const char* const end = s_.data() + s_.size();
  const char* q = begin;
  bool neg = false;
  if (q < end && *q == '-') neg = true, ++q;
  if (q >= end || !is_digit(*q)) {
    // Python's json.load extensions.
    const std::string_view rest = s_.substr(p_);
    if (rest.starts_with("NaN")) return p_ += 3, std::numeric_limits<double>::quiet_NaN();
    if (rest.starts_with("Infinity")) return p_ += 8, std::numeric_limits<double>::infinity();
    if (rest.starts_with("-Infinity")) return p_ += 9, -std::numeric_limits<double>::infinity();
    fail(q >= end ? "unexpected end of file, expected a number" : "expected a number");
  }
  // Find the digit runs first (tight loops), then, when at most 19 digits, gather them into
  // an integer mantissa and a decimal exponent.
  const char* const int_begin = q;
  if (*q == '0') {
    ++q;
  } else {
    while (q < end && is_digit(*q)) ++q;
  }
  const char* const int_end = q;
  const char* frac_begin = q;
  const char* frac_end = q;
  bool integral = true;
  if (q < end && *q == '.') {
    integral = false;
    frac_begin = ++q;
    uint64_t chunk;
    while (end - q >= 8 && eight_digits(q, chunk)) q += 8;
    while (q < end && is_digit(*q)) ++q;
    frac_end = q;
    if (frac_end == frac_begin) fail_at(size_t(q - s_.data()), "expected a digit after '.'");
  }
  long exp10 = 0;
  if (q < end && (*q == 'e' || *q == 'E')) {
    integral = false;
    ++q;
    bool eneg = false;
    if (q < end && (*q == '+' || *q == '-')) eneg = *q == '-', ++q;
    if (q >= end || !is_digit(*q)) fail_at(size_t(q - s_.data()), "expected a digit in the exponent");
    long e = 0;
    while (q < end && is_digit(*q)) {
      if (e < 100000) e = e * 10 + (*q - '0');
      ++q;
    }
    exp10 = eneg ? -e : e;
  }
  p_ = static_cast<size_t>(q - s_.data());
  const long digits = (int_end - int_begin) + (frac_end - frac_begin);
  if (digits <= 19) {
    uint64_t mant = 0;
    for (const char* t = int_begin; t < int_end; ++t) mant = mant * 10 + static_cast<uint64_t>(*t - '0');
    const char* t = frac_begin;
    uint64_t chunk;
    for (; frac_end - t >= 8; t += 8) {
      eight_digits(t, chunk);
      mant = mant * 100000000ull + eight_digit_value(chunk);
    }
    for (; t < frac_end; ++t) mant = mant * 10 + static_cast<uint64_t>(*t - '0');
    exp10 -= frac_end - frac_begin;
    if (integral && digits <= 18) {
      const int64_t v = neg ? -static_cast<int64_t>(mant) : static_cast<int64_t>(mant);
      if (is_int) *is_int = true;
      if (as_int) *as_int = v;
      return static_cast<double>(v);
    }
    if (mant <= (uint64_t(1) << 53) && exp10 >= -22 && exp10 <= 22) {
      // Both operands exact, so one IEEE operation rounds correctly, as Python's float() does.
      double d = static_cast<double>(mant);
      d = exp10 < 0 ? d / kPow10[-exp10] : d * kPow10[exp10];
      return neg ? -d : d;
    }
    if (mant != 0 && exp10 >= -19 && exp10 <= 19) {
      const double d = scale_exact(mant, exp10);
      return neg ? -d : d;
    }
  }
  double d = 0;
  const auto r = std::from_chars(begin, q, d);
  if (r.ec == std::errc::result_out_of_range) {
    // Python gives inf for huge literals and 0 (or the subnormal) for tiny ones; strtod too.
    d = std::strtod(std::string(begin, q).c_str(), nullptr);
  } else if (r.ec != std::errc() || r.ptr != q) {
    fail_at(size_t(begin - s_.data()), "bad number");
  }
  if (integral && is_int) {
    // A 19-digit integer: exact when it fits int64.
    int64_t v = 0;
    const auto ri = std::from_chars(begin, q, v);
    if (ri.ec == std::errc() && ri.ptr == q) {
      *is_int = true;
      if (as_int) *as_int = v;
    }
  }
  return d;
}

bool JsonCursor::number_array(std::vector<double>& out) {
  for (bool first = true;; first = false) {
    skip_ws();
    if (p_ >= s_.size()) fail("unexpected end of file inside an array");
    if (s_[p_] == ']') {
      ++p_;
      return true;
    }
    if (!first) {
      if (s_[p_] != ',') fail("expected ',' or ']'");
      ++p_;
      skip_ws();
      if (p_ < s_.size() && s_[p_] == ']') fail("trailing ',' in an array");
      if (p_ >= s_.size()) fail("unexpected end of file inside an array");
    }
    const char c = s_[p_];
    if (c == 't' || c == 'f') {
      out.push_back(boolean() ? 1.0 : 0.0);
    } else if (c == '-' || is_digit(c) || c == 'N' || c == 'I') {
      out.push_back(number());
    } else {
      return false;
    }
  }
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
    case JsonType::Number: {
      // A skipped number (segmentation polygons: most of a GT file) is only scanned; its
      // grammar is checked, its value never computed.
      const size_t start = p_;
      if (p_ < s_.size() && s_[p_] == '-') ++p_;
      if (p_ >= s_.size() || !is_digit(s_[p_])) {
        p_ = start;
        number();  // NaN / Infinity, or the error message
        return;
      }
      if (s_[p_] == '0') {
        ++p_;
      } else {
        while (p_ < s_.size() && is_digit(s_[p_])) ++p_;
      }
      if (p_ < s_.size() && s_[p_] == '.') {
        ++p_;
        if (p_ >= s_.size() || !is_digit(s_[p_])) fail("expected a digit after '.'");
        while (p_ < s_.size() && is_digit(s_[p_])) ++p_;
      }
      if (p_ < s_.size() && (s_[p_] == 'e' || s_[p_] == 'E')) {
        ++p_;
        if (p_ < s_.size() && (s_[p_] == '+' || s_[p_] == '-')) ++p_;
        if (p_ >= s_.size() || !is_digit(s_[p_])) fail("expected a digit in the exponent");
        while (p_ < s_.size() && is_digit(s_[p_])) ++p_;
      }
      return;
    }
    case JsonType::End: fail("unexpected end of file, expected a value");
  }
}

void JsonCursor::expect_end() {
  skip_ws();
  if (p_ != s_.size()) fail("extra data after the top-level value");
}

}  // namespace hr::data::cocoeval::detail
