// A reader for MATLAB MAT-file version 5 (what MATLAB writes with -v6 / -v7 and what
// scipy.io.savemat writes), enough of it for the official MPII ground truth
// (annot/gt_valid.mat) without any Python conversion step.
//
// Supported: little-endian files; miMATRIX and miCOMPRESSED (zlib) top-level elements; the
// small-data-element format; real numeric arrays of every class (double, single, int8 ..
// uint64) whose data may be stored in any numeric type (MATLAB stores a double array of small
// integers as miUINT8, say); logical arrays; char arrays (UTF-8 / UTF-16 / UTF-32 / bytes);
// cell arrays, nested. Struct, object, sparse, function-handle and complex arrays are parsed
// past and kept as `supported == false` entries, so a file holding them still loads; using
// one is an error. Big-endian files and v7.3 (HDF5) files are rejected with a message.
//
// Every error names the source file and the byte offset of the element being read (inside a
// compressed element: the offset in its decompressed bytes and the compressed element's
// file offset), so a corrupt file can be inspected with a hex dump.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hr::data::mat {

// MATLAB's array classes (mxClassID), numbered as in the file.
enum class MatClass : uint8_t {
  Cell = 1,
  Struct = 2,
  Object = 3,
  Char = 4,
  Sparse = 5,
  Double = 6,
  Single = 7,
  Int8 = 8,
  UInt8 = 9,
  Int16 = 10,
  UInt16 = 11,
  Int32 = 12,
  UInt32 = 13,
  Int64 = 14,
  UInt64 = 15,
  Function = 16,
  Opaque = 17,
};

// "double", "uint8", ... for messages; "class N" for a number outside the table.
std::string class_name(MatClass c);

// One array (a top-level variable or a cell element).
struct MatArray {
  std::string name;            // empty for cell elements
  MatClass cls = MatClass::Double;
  bool logical = false;        // the logical flag (class is then uint8 or double)
  bool complex = false;        // complex arrays are not supported (supported == false)
  bool supported = true;       // false: struct/object/sparse/function/opaque/complex, not read
  std::vector<int64_t> dims;   // MATLAB dimensions (at least 2), column-major storage
  // Numeric and logical arrays: the real part converted to double, column-major. Integers up
  // to 2^53 in magnitude convert exactly; (u)int64 values beyond that are rounded.
  std::vector<double> values;
  // Char arrays: one UTF-8 string per row (a 1xN char array is one string).
  std::vector<std::string> rows;
  std::vector<MatArray> cells;  // cell arrays: the elements in column-major order
  uint64_t offset = 0;          // file offset of the element's tag (of the miCOMPRESSED tag)
  bool compressed = false;      // it came from an miCOMPRESSED element

  int64_t numel() const;
  bool is_numeric() const;  // a supported numeric or logical array
  // "2x16 double", "1x3 cell", "1x4 char" for messages and checks.
  std::string describe() const;
};

struct MatFile {
  std::string source;       // the file name, used in every message
  std::string header_text;  // the 116-byte descriptive text, trailing spaces/NULs removed
  std::vector<MatArray> variables;

  const MatArray* find(std::string_view name) const;  // nullptr when absent
  // The named variable; an error naming the file and the variables present when absent.
  const MatArray& get(std::string_view name) const;
};

// Parses a whole MAT v5 file held in memory; `source` names it in errors.
MatFile parse_mat_v5(std::span<const uint8_t> bytes, const std::string& source);

// Reads and parses `path`.
MatFile read_mat_v5(const std::string& path);

}  // namespace hr::data::mat
