#include "hrnet/config/value.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <array>
#include <charconv>
#include <cmath>
#include <limits>
#include <optional>

namespace hr::cfg::detail {
namespace {

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r\n");
  return s.substr(first, last - first + 1);
}

// from_chars takes no leading '+', which both YAML and Python allow.
std::string_view drop_plus(std::string_view s) {
  return s.size() > 1 && s[0] == '+' && s[1] != '-' ? s.substr(1) : s;
}

// The YAML 1.1 booleans PyYAML reads (so every official file's spelling works) plus Python's
// True/False, which is how the official command lines write them.
std::optional<bool> parse_bool(std::string_view s) {
  static constexpr std::array<std::string_view, 9> yes{"true", "True", "TRUE", "yes", "Yes",
                                                       "YES",  "on",   "On",   "ON"};
  static constexpr std::array<std::string_view, 9> no{"false", "False", "FALSE", "no", "No",
                                                      "NO",    "off",   "Off",   "OFF"};
  s = trim(s);
  for (auto w : yes)
    if (s == w) return true;
  for (auto w : no)
    if (s == w) return false;
  return std::nullopt;
}

std::optional<int> parse_int(std::string_view s) {
  s = drop_plus(trim(s));
  long long v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  if (v < std::numeric_limits<int>::min() || v > std::numeric_limits<int>::max()) return std::nullopt;
  return static_cast<int>(v);
}

// Integers are accepted for float keys (yacs would reject `LR: 1`; nothing is ambiguous about
// it). inf and nan are not numbers any official key can take.
std::optional<double> parse_float(std::string_view s) {
  s = drop_plus(trim(s));
  double v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v))
    return std::nullopt;
  return v;
}

// A Python string literal ('...' or "...") with its quotes removed and the common escapes
// resolved; nullopt if `s` is not one.
std::optional<std::string> unquote_python(std::string_view s) {
  s = trim(s);
  if (s.size() < 2 || (s[0] != '\'' && s[0] != '"') || s.back() != s[0]) return std::nullopt;
  const char quote = s[0];
  std::string out;
  for (size_t i = 1; i + 1 < s.size(); ++i) {
    char c = s[i];
    if (c == quote) return std::nullopt;  // 'a'b' is not one literal
    if (c == '\\' && i + 2 < s.size()) {
      const char next = s[++i];
      switch (next) {
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case '\\': case '\'': case '"': out += next; break;
        default: out += '\\', out += next;  // Python keeps unknown escapes as written
      }
      continue;
    }
    out += c;
  }
  return out;
}

// Splits at commas outside quotes; nullopt if a quote is left open.
std::optional<std::vector<std::string>> split_commas(std::string_view s) {
  std::vector<std::string> parts;
  std::string current;
  char open_quote = 0;
  for (char c : s) {
    if (open_quote) {
      if (c == open_quote) open_quote = 0;
      current += c;
    } else if (c == '\'' || c == '"') {
      open_quote = c;
      current += c;
    } else if (c == ',') {
      parts.emplace_back(trim(current));
      current.clear();
    } else {
      current += c;
    }
  }
  if (open_quote) return std::nullopt;
  parts.emplace_back(trim(current));
  return parts;
}

// The elements of a Python list or tuple literal, as literal_eval reads it: [a, b], (a, b),
// (a,) or a bare a, b. "(a)" is no tuple in Python, only a parenthesised value.
std::optional<std::vector<std::string>> python_sequence_items(std::string_view text) {
  std::string_view s = trim(text);
  bool parenthesised = false;
  if (!s.empty() && (s.front() == '[' || s.front() == '(')) {
    const char close = s.front() == '[' ? ']' : ')';
    if (s.back() != close) return std::nullopt;
    parenthesised = s.front() == '(';
    s = trim(s.substr(1, s.size() - 2));
    if (s.empty()) return std::vector<std::string>{};
  } else if (s.find(',') == std::string_view::npos) {
    return std::nullopt;
  }
  auto parts = split_commas(s);
  if (!parts) return std::nullopt;
  const bool trailing_comma = parts->size() > 1 && parts->back().empty();
  if (trailing_comma) parts->pop_back();
  if (parenthesised && parts->size() == 1 && !trailing_comma) return std::nullopt;
  for (const std::string& p : *parts)
    if (p.empty()) return std::nullopt;
  return parts;
}

std::optional<std::vector<std::string>> sequence_items(const RawValue& raw) {
  if (raw.shape == RawValue::Shape::Sequence) return raw.items;
  // yacs literal_evals YAML strings too, so `GPUS: (0,1,2,3)` in a file is a tuple.
  if (raw.shape == RawValue::Shape::Scalar) return python_sequence_items(raw.text);
  return std::nullopt;
}

std::optional<std::vector<int>> parse_int_items(const RawValue& raw) {
  auto items = sequence_items(raw);
  if (!items) return std::nullopt;
  std::vector<int> values;
  for (const std::string& item : *items) {
    auto v = parse_int(item);
    if (!v) return std::nullopt;
    values.push_back(*v);
  }
  return values;
}

// A list element is a string if it is quoted, or a bare word with nothing that would make
// it part of a nested literal.
std::optional<std::string> parse_string_item(const std::string& item, bool python_literal) {
  if (!python_literal) return item;
  if (auto s = unquote_python(item)) return s;
  if (item.find_first_of("[](){}'\"") != std::string::npos) return std::nullopt;
  return item;
}

std::optional<std::vector<std::string>> parse_string_items(const RawValue& raw) {
  auto items = sequence_items(raw);
  if (!items) return std::nullopt;
  // Elements of a list written inside a scalar are Python literals wherever the scalar came from.
  const bool python_literal = raw.python_literal || raw.shape == RawValue::Shape::Scalar;
  std::vector<std::string> values;
  for (const std::string& item : *items) {
    auto v = parse_string_item(item, python_literal);
    if (!v) return std::nullopt;
    values.push_back(*v);
  }
  return values;
}

std::optional<std::string> parse_string(const RawValue& raw) {
  // An empty YAML value (`MODEL_FILE:`) is null in YAML; the official code treats both as "".
  if (raw.shape == RawValue::Shape::Null) return std::string();
  if (raw.shape != RawValue::Shape::Scalar) return std::nullopt;
  if (raw.python_literal)
    if (auto s = unquote_python(raw.text)) return s;
  return raw.text;
}

template <typename T>
std::optional<T> scalar_only(const RawValue& raw, std::optional<T> (*parse)(std::string_view)) {
  if (raw.shape != RawValue::Shape::Scalar) return std::nullopt;
  return parse(raw.text);
}

std::string_view expected_text(Kind kind) {
  switch (kind) {
    case Kind::Bool: return "a boolean (true/false)";
    case Kind::Int: return "an integer";
    case Kind::Float: return "a number";
    case Kind::String: return "a string";
    case Kind::WidthHeight: return "a [width, height] pair of integers";
    case Kind::IntList: return "a list of integers such as [170, 200]";
    case Kind::IntTuple: return "a tuple of integers such as (0,1,2,3)";
    case Kind::StringList: return "a list of strings";
  }
  return "a value";
}

// Stores `value` through `target` if it parsed; says whether it did.
template <typename T, typename U>
bool store(T* target, const std::optional<U>& value) {
  if (!value) return false;
  *target = *value;
  return true;
}

bool store_width_height(WidthHeight* target, const std::optional<std::vector<int>>& value) {
  if (!value || value->size() != 2) return false;
  *target = WidthHeight{(*value)[0], (*value)[1]};
  return true;
}

std::string quote_yaml(std::string_view s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

// Python-like float text that YAML and parse_float read back exactly: 0.001, 1e-05, 1.0.
std::string format_float(double v) {
  std::string s = fmt::format("{}", v);
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

std::string format_tuple(const std::vector<int>& v) {
  if (v.size() == 1) return fmt::format("({},)", v[0]);
  return fmt::format("({})", fmt::join(v, ", "));
}

std::string format_string_list(const std::vector<std::string>& v) {
  std::vector<std::string> quoted;
  for (const std::string& s : v) quoted.push_back(quote_yaml(s));
  return fmt::format("[{}]", fmt::join(quoted, ", "));
}

}  // namespace

RawValue scalar_from_command_line(const std::string& text) {
  return RawValue{RawValue::Shape::Scalar, text, {}, true, fmt::format("'{}'", text)};
}

std::string assign(Config& cfg, const FieldSpec& field, const RawValue& raw) {
  const FieldRef target = field.ref(cfg);
  bool ok = false;
  switch (field.kind) {
    case Kind::Bool: ok = store(std::get<bool*>(target), scalar_only(raw, parse_bool)); break;
    case Kind::Int: ok = store(std::get<int*>(target), scalar_only(raw, parse_int)); break;
    case Kind::Float: ok = store(std::get<double*>(target), scalar_only(raw, parse_float)); break;
    case Kind::String: ok = store(std::get<std::string*>(target), parse_string(raw)); break;
    case Kind::WidthHeight:
      ok = store_width_height(std::get<WidthHeight*>(target), parse_int_items(raw));
      break;
    case Kind::IntList:
    case Kind::IntTuple:
      ok = store(std::get<std::vector<int>*>(target), parse_int_items(raw));
      break;
    case Kind::StringList:
      ok = store(std::get<std::vector<std::string>*>(target), parse_string_items(raw));
      break;
  }
  return ok ? std::string() : fmt::format("expected {}, got {}", expected_text(field.kind), raw.shown);
}

std::string format_value(Config& cfg, const FieldSpec& field) {
  const FieldRef value = field.ref(cfg);
  switch (field.kind) {
    case Kind::Bool: return *std::get<bool*>(value) ? "true" : "false";
    case Kind::Int: return std::to_string(*std::get<int*>(value));
    case Kind::Float: return format_float(*std::get<double*>(value));
    case Kind::String: return quote_yaml(*std::get<std::string*>(value));
    case Kind::WidthHeight: {
      const WidthHeight& wh = *std::get<WidthHeight*>(value);
      return fmt::format("[{}, {}]", wh.width, wh.height);
    }
    case Kind::IntList: return fmt::format("[{}]", fmt::join(*std::get<std::vector<int>*>(value), ", "));
    case Kind::IntTuple: return format_tuple(*std::get<std::vector<int>*>(value));
    case Kind::StringList: return format_string_list(*std::get<std::vector<std::string>*>(value));
  }
  return {};
}

}  // namespace hr::cfg::detail
