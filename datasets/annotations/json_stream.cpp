#include "datasets/annotations/json_stream.h"

#include <algorithm>
#include <cstdio>
#include <iterator>
#include <memory>

#include "engine/error.h"

namespace hr::data::detail {

using nlohmann::json;

namespace {

// Reads a file in 1 MiB chunks; ChunkIter walks it as a single-pass char range, which
// nlohmann's iterator input adapter consumes without the per-character cost of a stream.
//
// Fast skip: right after the parser has read the key of a dropped field, skip_value()
// consumes the raw text ": <value>" by bracket/string matching alone (no number parsing) and
// serves ":0" to the parser instead. Skipped values are thereby only checked for balanced
// brackets and closed strings. delta() converts parser positions back to file offsets.
class ChunkReader {
 public:
  explicit ChunkReader(std::FILE* f) : f_(f), buf_(1 << 20) { refill(); }
  bool done() const { return inject_pos_ == inject_len_ && pos_ == len_; }
  const char& peek() const {
    return inject_pos_ < inject_len_ ? inject_[inject_pos_] : buf_[pos_];
  }
  void advance() {
    if (inject_pos_ < inject_len_) {
      ++inject_pos_;
      return;
    }
    if (++pos_ == len_) refill();
  }
  // file offset = parser position + delta()
  long long delta() const { return delta_; }

  void skip_value() {
    long long skipped = 0;
    auto next = [&](char& c) {
      if (pos_ == len_) return false;
      c = buf_[pos_];
      ++skipped;
      advance();
      return true;
    };
    auto peek_raw = [&](char& c) {
      if (pos_ == len_) return false;
      c = buf_[pos_];
      return true;
    };
    auto is_ws = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
    auto skip_ws = [&] {
      char c;
      while (peek_raw(c) && is_ws(c)) next(c);
    };
    auto skip_string = [&] {  // after the opening quote
      char c;
      while (next(c)) {
        if (c == '\\') {
          if (!next(c)) return false;
        } else if (c == '"') {
          return true;
        }
      }
      return false;
    };
    const auto finish = [&](const char* inject) {
      inject_ = inject;
      inject_pos_ = 0;
      inject_len_ = std::char_traits<char>::length(inject);
      delta_ += skipped - static_cast<long long>(inject_len_);
    };
    char c;
    skip_ws();
    if (!peek_raw(c) || c != ':') return finish("");  // the parser reports the error
    next(c);
    skip_ws();
    if (!next(c)) return finish(":");  // end of input: the parser reports it
    if (c == '"') return finish(skip_string() ? ":0" : ":");
    if (c == '[' || c == '{') {
      int depth = 1;
      while (depth > 0) {
        if (!next(c)) return finish(":");
        if (c == '"') {
          if (!skip_string()) return finish(":");
        } else if (c == '[' || c == '{') {
          ++depth;
        } else if (c == ']' || c == '}') {
          --depth;
        }
      }
      return finish(":0");
    }
    // A literal: up to the next separator, which is left for the parser.
    while (peek_raw(c) && !is_ws(c) && c != ',' && c != '}' && c != ']') next(c);
    finish(":0");
  }

 private:
  void refill() {
    len_ = std::fread(buf_.data(), 1, buf_.size(), f_);
    pos_ = 0;
  }
  std::FILE* f_;
  std::vector<char> buf_;
  size_t pos_ = 0, len_ = 0;
  const char* inject_ = "";
  size_t inject_pos_ = 0, inject_len_ = 0;
  long long delta_ = 0;
};

struct ChunkIter {
  using iterator_category = std::input_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = const char&;

  ChunkReader* r = nullptr;  // nullptr: the end
  reference operator*() const { return r->peek(); }
  ChunkIter& operator++() {
    r->advance();
    return *this;
  }
  ChunkIter operator++(int) {
    ChunkIter t = *this;
    r->advance();
    return t;
  }
  bool at_end() const { return r == nullptr || r->done(); }
  bool operator==(const ChunkIter& o) const { return at_end() == o.at_end(); }
  bool operator!=(const ChunkIter& o) const { return at_end() != o.at_end(); }
};

// SAX handler: depth-counts everything outside the streamed arrays and builds one filtered
// element at a time inside them.
class Streamer final : public nlohmann::json_sax<json> {
 public:
  Streamer(const std::string& file, const std::vector<StreamSection>& sections, const ElementFn& fn,
           ChunkReader& reader)
      : file_(file), sections_(sections), fn_(fn), reader_(reader), seen_(sections.size(), false) {
    for (const auto& s : sections_) root_array_ = root_array_ || s.key.empty();
  }

  const std::vector<bool>& seen() const { return seen_; }

  // Scalars outside any kept element are dropped before a json value is made.
  bool null() override { return dropped() || scalar(json(nullptr)); }
  bool boolean(bool v) override { return dropped() || scalar(json(v)); }
  bool number_integer(number_integer_t v) override { return dropped() || scalar(json(v)); }
  bool number_unsigned(number_unsigned_t v) override { return dropped() || scalar(json(v)); }
  bool number_float(number_float_t v, const string_t&) override {
    return dropped() || scalar(json(v));
  }
  bool string(string_t& v) override { return dropped() || scalar(json(std::move(v))); }
  bool binary(binary_t&) override { return dropped() || scalar(json()); }

  bool start_object(std::size_t) override { return open(true); }
  bool start_array(std::size_t) override { return open(false); }
  bool end_object() override { return close(); }
  bool end_array() override { return close(); }

  bool key(string_t& k) override {
    if (skip_ > 0) return true;
    if (!stack_.empty()) {
      if (stack_.size() == 1 && !wanted(k)) {
        reader_.skip_value();  // the parser now sees ":0", dropped below
        skip_next_ = true;
      } else {
        key_ = std::move(k);
      }
      return true;
    }
    if (depth_ == 1) top_key_ = std::move(k);
    return true;
  }

  bool parse_error(std::size_t position, const std::string& last_token,
                   const nlohmann::detail::exception& ex) override {
    // nlohmann's own line/column count the text the parser saw; report the file offset.
    std::string what = ex.what();
    const auto col = what.find(", column ");
    if (col != std::string::npos) {
      const auto colon = what.find(": ", col);
      if (colon != std::string::npos) what = what.substr(colon + 2);
    }
    // nlohmann's position counts the characters read, the offending one included.
    const long long offset = static_cast<long long>(position) + reader_.delta() - 1;
    hr::fail("{}: malformed JSON at byte offset {} (near '{}'): {}", file_,
             std::max(0LL, offset), last_token.substr(0, 40), what);
  }

 private:
  bool wanted(const std::string& k) const {
    const auto& f = sections_[section_].fields;
    if (f.empty()) return true;
    for (const auto& w : f)
      if (w == k) return true;
    return false;
  }

  // Inserts a value into the element under construction; returns its address.
  json* insert(json&& v) {
    json* top = stack_.back();
    if (top->is_object()) {
      json& slot = (*top)[key_];
      slot = std::move(v);
      return &slot;
    }
    top->push_back(std::move(v));
    return &top->back();
  }

  void emit() {
    fn_(static_cast<size_t>(section_), count_++, element_);
    element_ = json();
  }

  // True when the scalar just read is not kept (inside or as a dropped field, or outside
  // the streamed arrays at a depth where it cannot matter).
  bool dropped() {
    if (skip_ > 0) return true;
    if (skip_next_) {
      skip_next_ = false;
      return true;
    }
    return stack_.empty() && depth_ > 1 && !(section_ >= 0 && depth_ == section_depth_);
  }

  bool scalar(json&& v) {
    if (!stack_.empty()) {
      insert(std::move(v));
      return true;
    }
    if (depth_ == 0) {
      hr::fail("{}: the top level must be a JSON {}", file_, root_array_ ? "array" : "object");
    }
    if (section_ >= 0 && depth_ == section_depth_) {  // scalar element of a streamed array
      element_ = std::move(v);
      emit();
    } else if (depth_ == 1 && !root_array_) {
      for (const auto& s : sections_) {
        HR_CHECK(s.key != top_key_, "{}: '{}' must be an array, got {}", file_, top_key_,
                 v.type_name());
      }
    }
    return true;
  }

  bool open(bool object) {
    if (skip_ > 0) {
      ++skip_;
      return true;
    }
    if (skip_next_) {
      skip_next_ = false;
      skip_ = 1;
      return true;
    }
    if (!stack_.empty()) {
      stack_.push_back(insert(object ? json::object() : json::array()));
      return true;
    }
    if (section_ >= 0 && depth_ == section_depth_) {  // a new element
      element_ = object ? json::object() : json::array();
      stack_.push_back(&element_);
      return true;
    }
    if (depth_ == 0) {
      HR_CHECK(object != root_array_, "{}: the top level must be a JSON {}", file_,
               root_array_ ? "array" : "object");
      if (root_array_) start_section(0);
    } else if (depth_ == 1 && !root_array_) {
      for (size_t i = 0; i < sections_.size(); ++i) {
        if (sections_[i].key == top_key_) {
          HR_CHECK(!object, "{}: '{}' must be an array", file_, top_key_);
          start_section(static_cast<int>(i));
          break;
        }
      }
    }
    ++depth_;
    return true;
  }

  void start_section(int i) {
    section_ = i;
    section_depth_ = depth_ + 1;
    count_ = 0;
    seen_[static_cast<size_t>(i)] = true;
  }

  bool close() {
    if (skip_ > 0) {
      --skip_;
      return true;
    }
    if (!stack_.empty()) {
      stack_.pop_back();
      if (stack_.empty()) emit();
      return true;
    }
    --depth_;
    if (section_ >= 0 && depth_ + 1 == section_depth_) section_ = -1;
    return true;
  }

  const std::string& file_;
  const std::vector<StreamSection>& sections_;
  const ElementFn& fn_;
  ChunkReader& reader_;
  std::vector<bool> seen_;
  bool root_array_ = false;
  int depth_ = 0;           // containers open outside the element under construction
  int section_ = -1;        // streamed array currently open
  int section_depth_ = 0;   // depth_ inside that array
  size_t count_ = 0;        // elements seen in it
  std::string top_key_;
  json element_;
  std::vector<json*> stack_;  // containers of the element under construction
  std::string key_;
  int skip_ = 0;            // depth inside a dropped field
  bool skip_next_ = false;  // the next value is a dropped field
};

const char* type_name(const json& v) { return v.type_name(); }

}  // namespace

void stream_json(const std::string& path, const std::vector<StreamSection>& sections,
                 const ElementFn& on_element) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  HR_CHECK(f != nullptr, "{}: cannot open annotation file", path);
  ChunkReader reader(f.get());
  HR_CHECK(!std::ferror(f.get()), "{}: cannot read annotation file", path);
  Streamer s(path, sections, on_element, reader);
  json::sax_parse(ChunkIter{&reader}, ChunkIter{}, &s);
  HR_CHECK(!std::ferror(f.get()), "{}: read error", path);
  for (size_t i = 0; i < sections.size(); ++i) {
    HR_CHECK(s.seen()[i] || !sections[i].required, "{}: required array '{}' is missing", path,
             sections[i].key);
  }
}

void require_object(const json& v, const ElemCtx& c) {
  HR_CHECK(v.is_object(), "{}: {}[{}] must be a JSON object, got {}", c.file, c.section, c.index,
           type_name(v));
}

const json& require_field(const json& obj, const char* field, const ElemCtx& c) {
  auto it = obj.find(field);
  HR_CHECK(it != obj.end(), "{}: {}[{}]: required field '{}' is missing", c.file, c.section,
           c.index, field);
  return *it;
}

double get_number(const json& obj, const char* field, const ElemCtx& c) {
  const json& v = require_field(obj, field, c);
  HR_CHECK(v.is_number(), "{}: {}[{}]: field '{}' must be a number, got {}", c.file, c.section,
           c.index, field, type_name(v));
  return v.get<double>();
}

int64_t get_int(const json& obj, const char* field, const ElemCtx& c) {
  const json& v = require_field(obj, field, c);
  HR_CHECK(v.is_number_integer(), "{}: {}[{}]: field '{}' must be an integer, got {}", c.file,
           c.section, c.index, field, v.is_number() ? "a float" : type_name(v));
  if (v.is_number_unsigned()) {
    HR_CHECK(v.get<uint64_t>() <= static_cast<uint64_t>(INT64_MAX),
             "{}: {}[{}]: field '{}' is out of range", c.file, c.section, c.index, field);
  }
  return v.get<int64_t>();
}

std::string get_string(const json& obj, const char* field, const ElemCtx& c) {
  const json& v = require_field(obj, field, c);
  HR_CHECK(v.is_string(), "{}: {}[{}]: field '{}' must be a string, got {}", c.file, c.section,
           c.index, field, type_name(v));
  return v.get<std::string>();
}

void get_numbers(const json& obj, const char* field, long n, const ElemCtx& c,
                 std::vector<double>& out) {
  const json& v = require_field(obj, field, c);
  HR_CHECK(v.is_array(), "{}: {}[{}]: field '{}' must be an array, got {}", c.file, c.section,
           c.index, field, type_name(v));
  HR_CHECK(n < 0 || v.size() == static_cast<size_t>(n),
           "{}: {}[{}]: field '{}' must have {} values, got {}", c.file, c.section, c.index, field,
           n, v.size());
  out.clear();
  out.reserve(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    HR_CHECK(v[i].is_number(), "{}: {}[{}]: {}[{}] must be a number, got {}", c.file, c.section,
             c.index, field, i, type_name(v[i]));
    out.push_back(v[i].get<double>());
  }
}

}  // namespace hr::data::detail
