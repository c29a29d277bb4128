// Streaming reader for large annotation JSON files (internal to datasets/annotations).
//
// The file is parsed with nlohmann's SAX interface. Only the elements of chosen top-level
// arrays are materialised, one element at a time, as a small nlohmann::json value holding
// just the wanted fields; every other byte (segmentation polygons, licences, info) is
// dropped. A 240 MB COCO file therefore never exists as a DOM. Dropped fields inside an
// element are skipped by raw bracket/string matching (no number parsing), so their content is
// only checked for balanced brackets and closed strings; byte offsets in errors stay exact.
#pragma once
#include <nlohmann/json.hpp>

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace hr::data::detail {

struct StreamSection {
  std::string key;                  // top-level key of the array ("" = the root is the array)
  std::vector<std::string> fields;  // fields kept in each element; empty keeps all
  bool required = true;             // missing section is an error
};

// Called once per array element: section index (into the sections vector), element index
// inside that array, and the element with only the wanted fields.
using ElementFn = std::function<void(size_t section, size_t index, nlohmann::json& element)>;

// Parses `path`. Errors (missing file, malformed JSON with its byte offset, wrong top-level
// type, missing section, section not an array) are hr::Error naming the file.
void stream_json(const std::string& path, const std::vector<StreamSection>& sections,
                 const ElementFn& on_element);

// Typed field access with errors naming file, section, element index and field.
struct ElemCtx {
  const std::string& file;
  const char* section;  // e.g. "annotations"
  size_t index;
};
const nlohmann::json& require_field(const nlohmann::json& obj, const char* field, const ElemCtx& c);
void require_object(const nlohmann::json& v, const ElemCtx& c);
double get_number(const nlohmann::json& obj, const char* field, const ElemCtx& c);
int64_t get_int(const nlohmann::json& obj, const char* field, const ElemCtx& c);
std::string get_string(const nlohmann::json& obj, const char* field, const ElemCtx& c);
// An array of exactly n numbers (n < 0: any length), written into out.
void get_numbers(const nlohmann::json& obj, const char* field, long n, const ElemCtx& c,
                 std::vector<double>& out);

}  // namespace hr::data::detail
