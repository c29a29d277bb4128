// Typed reads of one member's value with errors that name the file, array, index and field
// (internal to datasets/eval/coco).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "datasets/eval/coco/json_cursor.h"

namespace hr::data::cocoeval::detail {

struct Where {
  const char* array;  // "annotations", "images", or "results"
  size_t index;       // element index in that array
};

// A JSON number; also true/false as 1/0 because Python treats bools as numbers.
double read_number(JsonCursor& c, const Where& w, const char* field);
// A number with an integral value that fits int64 (ids).
int64_t read_id(JsonCursor& c, const Where& w, const char* field);
// An array of numbers; n >= 0 demands exactly n of them.
void read_numbers(JsonCursor& c, const Where& w, const char* field, long n, std::vector<double>& out);
[[noreturn]] void fail_field(const JsonCursor& c, const Where& w, const char* field, const std::string& what);

}  // namespace hr::data::cocoeval::detail
