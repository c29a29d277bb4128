// A small pull parser over a JSON text held in memory (internal to datasets/eval/coco).
//
// Why not nlohmann: evaluation reads a results file of ~30k detections x 51 numbers and a
// large GT file on every run, and the goal is to be much faster than pycocotools' json.load.
// This cursor never builds a DOM: the caller walks objects and arrays, takes the numbers it
// wants (std::from_chars, correctly rounded like Python's float()) and skips everything else
// with a bracket/string scan. Python's json extensions NaN, Infinity and -Infinity are
// accepted because json.load accepts them. Errors name the file, line, column and byte.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hr::data::cocoeval::detail {

enum class JsonType { Object, Array, String, Number, Bool, Null, End };

class JsonCursor {
 public:
  JsonCursor(std::string_view text, std::string file) : s_(text), file_(std::move(file)) {}

  const std::string& file() const { return file_; }
  // The kind of the next value (after whitespace), from its first byte.
  JsonType peek();
  // Objects: begin_object(), then `while (next_member(first, key))` reads each key and the
  // ':' and leaves the cursor on the member's value, which the caller must consume.
  void begin_object();
  bool next_member(bool& first, std::string& key);
  // Arrays: begin_array(), then `while (next_element(first))` with the caller consuming each.
  void begin_array();
  bool next_element(bool& first);
  // The elements of an array of numbers (true/false read as 1/0), after begin_array(), up to
  // and including its ']'. Returns false, with the cursor on it, at an element that is not a
  // number. (The hot loop of a results file: 51 keypoint numbers per result.)
  bool number_array(std::vector<double>& out);
  // A number; integral tokens (no '.', exponent) that fit int64 also set is_int/as_int.
  double number(bool* is_int = nullptr, int64_t* as_int = nullptr);
  bool boolean();
  std::string string();
  void null();
  void skip_value();
  // After the top-level value only whitespace may remain.
  void expect_end();

  [[noreturn]] void fail(std::string_view what) const;  // "file: line L, column C (byte B): what"
  [[noreturn]] void fail_at(size_t pos, std::string_view what) const;
  size_t pos() const { return p_; }
  void seek(size_t pos) { p_ = pos; }

 private:
  void skip_ws();
  void expect(char c, const char* what);
  void skip_string();

  std::string_view s_;
  std::string file_;
  size_t p_ = 0;
};

}  // namespace hr::data::cocoeval::detail
