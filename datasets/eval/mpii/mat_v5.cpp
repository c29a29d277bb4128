// MAT v5 reader. Layout facts used (MathWorks, "MAT-File Format", version 5 section):
//  - a 128-byte header: 116 bytes of text, 8 bytes of subsystem offset, a uint16 version
//    (0x0100) and the endian indicator, the two characters 'MI' written as a uint16, so a
//    little-endian file holds the bytes 'I','M';
//  - then data elements: an 8-byte tag (uint32 type, uint32 byte count), the data, and
//    padding to 8 bytes; a tag whose upper 16 bits are non-zero is the "small data element"
//    form (type in the low 16 bits, count in the high 16 bits, up to 4 data bytes in the
//    second word);
//  - miCOMPRESSED elements hold one zlib stream that inflates to one whole element; they are
//    not padded;
//  - an miMATRIX element holds the sub-elements array flags (miUINT32 x2: class in the low
//    byte, complex 0x800 / global 0x400 / logical 0x200), dimensions (miINT32), name
//    (miINT8), then the class's data: one element per cell, the character data, or the real
//    (and imaginary) part in any numeric storage type.
#include "datasets/eval/mpii/mat_v5.h"

#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <limits>

#include "engine/error.h"
#include "engine/io/byte_reader.h"
#include "engine/io/file.h"

namespace hr::data::mat {

namespace {

using hr::io::load_le;

enum MiType : uint32_t {
  miINT8 = 1,
  miUINT8 = 2,
  miINT16 = 3,
  miUINT16 = 4,
  miINT32 = 5,
  miUINT32 = 6,
  miSINGLE = 7,
  miDOUBLE = 9,
  miINT64 = 12,
  miUINT64 = 13,
  miMATRIX = 14,
  miCOMPRESSED = 15,
  miUTF8 = 16,
  miUTF16 = 17,
  miUTF32 = 18,
};

std::string type_name(uint32_t t) {
  switch (t) {
    case miINT8: return "miINT8";
    case miUINT8: return "miUINT8";
    case miINT16: return "miINT16";
    case miUINT16: return "miUINT16";
    case miINT32: return "miINT32";
    case miUINT32: return "miUINT32";
    case miSINGLE: return "miSINGLE";
    case miDOUBLE: return "miDOUBLE";
    case miINT64: return "miINT64";
    case miUINT64: return "miUINT64";
    case miMATRIX: return "miMATRIX";
    case miCOMPRESSED: return "miCOMPRESSED";
    case miUTF8: return "miUTF8";
    case miUTF16: return "miUTF16";
    case miUTF32: return "miUTF32";
    default: return fmt::format("type {}", t);
  }
}

// Bytes per value of a numeric storage type, 0 for the others.
size_t numeric_size(uint32_t t) {
  switch (t) {
    case miINT8: case miUINT8: return 1;
    case miINT16: case miUINT16: return 2;
    case miINT32: case miUINT32: case miSINGLE: return 4;
    case miDOUBLE: case miINT64: case miUINT64: return 8;
    default: return 0;
  }
}

double load_numeric(uint32_t t, const uint8_t* p) {
  switch (t) {
    case miINT8: return load_le<int8_t>(p);
    case miUINT8: return load_le<uint8_t>(p);
    case miINT16: return load_le<int16_t>(p);
    case miUINT16: return load_le<uint16_t>(p);
    case miINT32: return load_le<int32_t>(p);
    case miUINT32: return load_le<uint32_t>(p);
    case miSINGLE: return load_le<float>(p);
    case miDOUBLE: return load_le<double>(p);
    case miINT64: return static_cast<double>(load_le<int64_t>(p));
    case miUINT64: return static_cast<double>(load_le<uint64_t>(p));
    default: return 0.0;  // unreachable: callers check numeric_size first
  }
}

// The bytes being parsed: the file itself, or the inflated content of one miCOMPRESSED
// element (then offsets are reported relative to it, plus where that element sits).
struct Buffer {
  std::span<const uint8_t> bytes;
  const std::string& source;
  bool inflated = false;
  size_t compressed_at = 0;  // file offset of the miCOMPRESSED tag

  std::string loc(size_t off) const {
    if (!inflated) return fmt::format("offset {}", off);
    return fmt::format("offset {} of the data inflated from the miCOMPRESSED element at offset {}",
                       off, compressed_at);
  }
};

// What is being read, for messages: "element", "variable 'x'", "variable 'x' cell 3".
struct Ctx {
  const Buffer& buf;
  std::string what;
};

[[noreturn]] void bad(const Ctx& c, size_t off, const std::string& msg) {
  hr::fail("{}: {}: {} ({})", c.buf.source, c.what, msg, c.buf.loc(off));
}

struct Elem {
  uint32_t type = 0;
  size_t tag_at = 0;   // offset of the tag
  size_t data_at = 0;  // offset of the data
  size_t size = 0;     // data bytes (without padding)
  size_t next = 0;     // offset of the following element
};

// One tag at `pos`; its data must end by `end`.
Elem read_tag(const Ctx& c, size_t pos, size_t end, std::string_view what) {
  const uint8_t* b = c.buf.bytes.data();
  if (end - pos < 8)
    bad(c, pos, fmt::format("truncated: the {} tag needs 8 bytes, {} left", what, end - pos));
  Elem e;
  e.tag_at = pos;
  const uint32_t w0 = load_le<uint32_t>(b + pos);
  if ((w0 >> 16) != 0) {  // small data element: up to 4 bytes packed into the tag
    e.type = w0 & 0xffffu;
    e.size = w0 >> 16;
    if (e.size > 4)
      bad(c, pos, fmt::format("the {} small data element claims {} bytes (at most 4)", what, e.size));
    e.data_at = pos + 4;
    e.next = pos + 8;
    return e;
  }
  e.type = w0;
  e.size = load_le<uint32_t>(b + pos + 4);
  e.data_at = pos + 8;
  if (e.size > end - e.data_at)
    bad(c, pos, fmt::format("truncated: the {} ({}) claims {} bytes, {} left", what,
                            type_name(e.type), e.size, end - e.data_at));
  // Compressed elements are not padded; the padding of the last element may be cut off.
  const size_t padded = e.type == miCOMPRESSED ? e.size : (e.size + 7) / 8 * 8;
  e.next = std::min(end, e.data_at + padded);
  return e;
}

std::string text_of(const Buffer& buf, const Elem& e) {
  return std::string(reinterpret_cast<const char*>(buf.bytes.data() + e.data_at), e.size);
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xe0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}

// MATLAB's char arrays count UTF-16 code units, so the character data is decoded to units
// (whatever its storage type) before it is split into rows.
void push_code_point(std::vector<uint16_t>& units, uint32_t cp) {
  if (cp >= 0x10000) {
    cp -= 0x10000;
    units.push_back(static_cast<uint16_t>(0xd800 + (cp >> 10)));
    units.push_back(static_cast<uint16_t>(0xdc00 + (cp & 0x3ff)));
  } else {
    units.push_back(static_cast<uint16_t>(cp));
  }
}

std::vector<uint16_t> decode_chars(const Ctx& c, const Elem& e) {
  const uint8_t* p = c.buf.bytes.data() + e.data_at;
  std::vector<uint16_t> units;
  switch (e.type) {
    case miUTF8: {
      for (size_t i = 0; i < e.size;) {
        const uint8_t b0 = p[i];
        // Continuation bytes after the lead byte: 110xxxxx 1, 1110xxxx 2, 11110xxx 3.
        const int extra = b0 < 0x80          ? 0
                          : (b0 >> 5) == 0x6 ? 1
                          : (b0 >> 4) == 0xe ? 2
                          : (b0 >> 3) == 0x1e ? 3
                                              : -1;
        if (extra < 0 || i + static_cast<size_t>(extra) >= e.size)
          bad(c, e.tag_at, fmt::format("invalid UTF-8 in the character data at byte {}", i));
        uint32_t cp = extra == 0 ? b0 : b0 & (0x3f >> extra);
        for (int k = 1; k <= extra; ++k) {
          if ((p[i + k] & 0xc0) != 0x80)
            bad(c, e.tag_at, fmt::format("invalid UTF-8 in the character data at byte {}", i));
          cp = (cp << 6) | (p[i + k] & 0x3f);
        }
        push_code_point(units, cp);
        i += 1 + extra;
      }
      break;
    }
    case miINT8:
    case miUINT8:  // one byte per character
      for (size_t i = 0; i < e.size; ++i) units.push_back(p[i]);
      break;
    case miUINT16:
    case miUTF16:
    case miINT16:
      if (e.size % 2) bad(c, e.tag_at, "odd byte count in 16-bit character data");
      for (size_t i = 0; i < e.size; i += 2) units.push_back(load_le<uint16_t>(p + i));
      break;
    case miUTF32:
    case miUINT32:
    case miINT32:
      if (e.size % 4) bad(c, e.tag_at, "byte count of 32-bit character data not a multiple of 4");
      for (size_t i = 0; i < e.size; i += 4) push_code_point(units, load_le<uint32_t>(p + i) & 0x1fffff);
      break;
    default:
      bad(c, e.tag_at, fmt::format("character data of unsupported type {}", type_name(e.type)));
  }
  return units;
}

std::string units_to_utf8(const std::vector<uint16_t>& u) {
  std::string out;
  for (size_t i = 0; i < u.size(); ++i) {
    uint32_t cp = u[i];
    if (cp >= 0xd800 && cp < 0xdc00 && i + 1 < u.size() && u[i + 1] >= 0xdc00 && u[i + 1] < 0xe000) {
      cp = 0x10000 + ((cp - 0xd800) << 10) + (u[i + 1] - 0xdc00);
      ++i;
    }
    append_utf8(out, cp);
  }
  return out;
}

constexpr int kMaxCellDepth = 64;  // nested cells recurse; a hostile file must not blow the stack

MatArray parse_matrix(const Ctx& outer, const Elem& m, int depth);

void read_cells(const Ctx& c, MatArray& a, size_t& pos, size_t end, int depth) {
  if (depth >= kMaxCellDepth) bad(c, pos, fmt::format("cells nested deeper than {}", kMaxCellDepth));
  for (int64_t i = 0; i < a.numel(); ++i) {
    const Elem e = read_tag(c, pos, end, fmt::format("cell element {}", i));
    if (e.type != miMATRIX)
      bad(c, e.tag_at, fmt::format("cell element {} is {}, expected miMATRIX", i, type_name(e.type)));
    Ctx inner{c.buf, fmt::format("{} cell element {}", c.what, i)};
    a.cells.push_back(parse_matrix(inner, e, depth + 1));
    pos = e.next;
  }
}

void read_chars(const Ctx& c, MatArray& a, size_t pos, size_t end) {
  const Elem e = read_tag(c, pos, end, "character data");
  const std::vector<uint16_t> units = decode_chars(c, e);
  if (static_cast<int64_t>(units.size()) != a.numel())
    bad(c, e.tag_at, fmt::format("character data holds {} characters, the {} array needs {}",
                                 units.size(), a.describe(), a.numel()));
  const int64_t nrows = a.dims[0];
  if (nrows == 0) return;
  const int64_t ncols = a.numel() / nrows;
  for (int64_t r = 0; r < nrows; ++r) {
    std::vector<uint16_t> row;
    for (int64_t k = 0; k < ncols; ++k) row.push_back(units[static_cast<size_t>(r + nrows * k)]);
    a.rows.push_back(units_to_utf8(row));
  }
}

void read_numeric(const Ctx& c, MatArray& a, size_t pos, size_t end) {
  const Elem e = read_tag(c, pos, end, "real part");
  const size_t es = numeric_size(e.type);
  if (es == 0)
    bad(c, e.tag_at, fmt::format("the real part has non-numeric type {}", type_name(e.type)));
  if (e.size % es != 0 || static_cast<int64_t>(e.size / es) != a.numel())
    bad(c, e.tag_at, fmt::format("the real part holds {} bytes of {}, the {} array needs {} values",
                                 e.size, type_name(e.type), a.describe(), a.numel()));
  const uint8_t* p = c.buf.bytes.data() + e.data_at;
  a.values.resize(static_cast<size_t>(a.numel()));
  for (size_t i = 0; i < a.values.size(); ++i) a.values[i] = load_numeric(e.type, p + i * es);
}

MatArray parse_matrix(const Ctx& outer, const Elem& m, int depth) {
  MatArray a;
  a.offset = m.tag_at;
  Ctx c{outer.buf, outer.what};
  const size_t end = m.data_at + m.size;
  if (m.size == 0) {  // MATLAB writes an empty cell element as an miMATRIX with no content
    a.dims = {0, 0};
    return a;
  }
  const Elem f = read_tag(c, m.data_at, end, "array flags");
  if (f.type != miUINT32 || f.size != 8)
    bad(c, f.tag_at, fmt::format("array flags must be 8 bytes of miUINT32, found {} bytes of {}",
                                 f.size, type_name(f.type)));
  const uint32_t flags = load_le<uint32_t>(c.buf.bytes.data() + f.data_at);
  const uint32_t cls = flags & 0xffu;
  if (cls < 1 || cls > 17) bad(c, f.tag_at, fmt::format("unknown array class {}", cls));
  a.cls = static_cast<MatClass>(cls);
  a.complex = (flags & 0x800u) != 0;
  a.logical = (flags & 0x200u) != 0;
  if (a.cls == MatClass::Opaque) {  // MATLAB objects with their own layout: skipped whole
    a.supported = false;
    return a;
  }
  const Elem d = read_tag(c, f.next, end, "dimensions");
  if (d.type != miINT32 || d.size % 4 != 0 || d.size < 8)
    bad(c, d.tag_at, fmt::format("dimensions must be at least 2 miINT32 values, found {} bytes of {}",
                                 d.size, type_name(d.type)));
  int64_t numel = 1;
  for (size_t i = 0; i < d.size / 4; ++i) {
    const int32_t v = load_le<int32_t>(c.buf.bytes.data() + d.data_at + 4 * i);
    if (v < 0) bad(c, d.tag_at, fmt::format("negative dimension {}", v));
    a.dims.push_back(v);
    // Bounded so that the product cannot overflow; no real array comes near 2^48 elements.
    numel *= v;
    if (numel > (int64_t{1} << 48)) bad(c, d.tag_at, "the dimensions' product exceeds 2^48");
  }
  const Elem n = read_tag(c, d.next, end, "array name");
  if (n.type != miINT8 && n.type != miUINT8 && n.type != miUTF8)
    bad(c, n.tag_at, fmt::format("the array name has type {}, expected miINT8", type_name(n.type)));
  a.name = text_of(c.buf, n);
  if (depth == 0 && !a.name.empty()) c.what = fmt::format("variable '{}'", a.name);

  size_t pos = n.next;
  switch (a.cls) {
    case MatClass::Cell:
      read_cells(c, a, pos, end, depth);
      break;
    case MatClass::Char:
      if (a.complex) a.supported = false;
      else read_chars(c, a, pos, end);
      break;
    case MatClass::Struct:
    case MatClass::Object:
    case MatClass::Sparse:
    case MatClass::Function:
      a.supported = false;  // not needed for PCKh; skipped so the rest of the file loads
      break;
    default:  // the numeric classes
      if (a.complex) a.supported = false;
      else read_numeric(c, a, pos, end);
      break;
  }
  return a;
}

// Inflates one miCOMPRESSED element's zlib stream.
std::vector<uint8_t> inflate_element(const Ctx& c, const Elem& e) {
  // zlib's largest possible expansion is 1032:1, so a larger output means a corrupt stream.
  const size_t cap = e.size * size_t{1032} + 64;
  if (e.size > std::numeric_limits<uInt>::max())
    bad(c, e.tag_at, fmt::format("compressed element of {} bytes is too large", e.size));
  z_stream zs{};
  if (inflateInit(&zs) != Z_OK) bad(c, e.tag_at, "zlib inflateInit failed");
  struct End {
    z_stream* z;
    ~End() { inflateEnd(z); }
  } guard{&zs};
  std::vector<uint8_t> out(std::min(cap, std::max<size_t>(256, e.size * 4)));
  zs.next_in = const_cast<Bytef*>(c.buf.bytes.data() + e.data_at);
  zs.avail_in = static_cast<uInt>(e.size);
  for (;;) {
    zs.next_out = out.data() + zs.total_out;
    zs.avail_out = static_cast<uInt>(std::min<size_t>(out.size() - zs.total_out,
                                                      std::numeric_limits<uInt>::max()));
    const int rc = inflate(&zs, Z_NO_FLUSH);
    if (rc == Z_STREAM_END) break;
    if (rc != Z_OK && rc != Z_BUF_ERROR)
      bad(c, e.tag_at, fmt::format("corrupt zlib data in the miCOMPRESSED element: {} ({})",
                                   zs.msg ? zs.msg : "no message", rc));
    if (zs.avail_out == 0) {  // output full: grow, within the expansion bound
      if (out.size() >= cap)
        bad(c, e.tag_at, "corrupt zlib data: inflates beyond zlib's 1032:1 expansion bound");
      out.resize(std::min(cap, out.size() * 2));
    } else if (zs.avail_in == 0) {
      bad(c, e.tag_at, fmt::format("truncated zlib stream in the miCOMPRESSED element ({} bytes "
                                   "inflated before the input ran out)", zs.total_out));
    }
  }
  out.resize(zs.total_out);
  return out;
}

}  // namespace

std::string class_name(MatClass c) {
  switch (c) {
    case MatClass::Cell: return "cell";
    case MatClass::Struct: return "struct";
    case MatClass::Object: return "object";
    case MatClass::Char: return "char";
    case MatClass::Sparse: return "sparse";
    case MatClass::Double: return "double";
    case MatClass::Single: return "single";
    case MatClass::Int8: return "int8";
    case MatClass::UInt8: return "uint8";
    case MatClass::Int16: return "int16";
    case MatClass::UInt16: return "uint16";
    case MatClass::Int32: return "int32";
    case MatClass::UInt32: return "uint32";
    case MatClass::Int64: return "int64";
    case MatClass::UInt64: return "uint64";
    case MatClass::Function: return "function_handle";
    case MatClass::Opaque: return "opaque";
  }
  return fmt::format("class {}", static_cast<int>(c));
}

int64_t MatArray::numel() const {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  return dims.empty() ? 0 : n;
}

bool MatArray::is_numeric() const {
  return supported && !complex && static_cast<int>(cls) >= static_cast<int>(MatClass::Double) &&
         static_cast<int>(cls) <= static_cast<int>(MatClass::UInt64);
}

std::string MatArray::describe() const {
  std::string shape;
  for (size_t i = 0; i < dims.size(); ++i) shape += fmt::format("{}{}", i ? "x" : "", dims[i]);
  const std::string kind = logical ? "logical" : class_name(cls);
  return fmt::format("{} {}{}", dims.empty() ? std::string_view("?") : std::string_view(shape),
                     complex ? "complex " : "", kind);
}

const MatArray* MatFile::find(std::string_view name) const {
  for (const MatArray& v : variables)
    if (v.name == name) return &v;
  return nullptr;
}

const MatArray& MatFile::get(std::string_view name) const {
  if (const MatArray* v = find(name)) return *v;
  std::string present;
  for (const MatArray& v : variables) {
    if (v.name.empty()) continue;
    present += (present.empty() ? "" : ", ") + v.name;
  }
  hr::fail("{}: no variable '{}' (the file holds: {})", source, name,
           present.empty() ? "nothing" : present);
}

MatFile parse_mat_v5(std::span<const uint8_t> bytes, const std::string& source) {
  MatFile f;
  f.source = source;
  HR_CHECK(bytes.size() >= 128, "{}: not a MAT v5 file: {} bytes, shorter than the 128-byte header",
           source, bytes.size());
  const std::string text(reinterpret_cast<const char*>(bytes.data()), 116);
  HR_CHECK(text.rfind("MATLAB", 0) == 0,
           "{}: not a MAT v5 file: the header text at offset 0 does not start with 'MATLAB' (a MAT "
           "v4 file or another format)", source);
  const uint8_t e0 = bytes[126], e1 = bytes[127];
  HR_CHECK(!(e0 == 'M' && e1 == 'I'),
           "{}: big-endian MAT file (endian indicator 'MI' at offset 126); only little-endian files "
           "are supported", source);
  HR_CHECK(e0 == 'I' && e1 == 'M',
           "{}: not a MAT v5 file: bad endian indicator 0x{:02x} 0x{:02x} at offset 126", source, e0, e1);
  const uint16_t version = load_le<uint16_t>(bytes.data() + 124);
  HR_CHECK(version != 0x0200,
           "{}: MAT v7.3 (HDF5) files are not supported; save with -v7 (version 0x0200 at offset 124)",
           source);
  HR_CHECK(version == 0x0100, "{}: unsupported MAT version 0x{:04x} at offset 124", source, version);
  f.header_text = text.substr(0, text.find_last_not_of(std::string(" \0", 2)) + 1);

  const Buffer file{bytes, source};
  size_t pos = 128;
  while (pos < bytes.size()) {
    const Ctx c{file, fmt::format("element at offset {}", pos)};
    const Elem e = read_tag(c, pos, bytes.size(), "top-level element");
    if (e.type == miCOMPRESSED) {
      const std::vector<uint8_t> inflated = inflate_element(c, e);
      const Buffer inner{inflated, source, true, e.tag_at};
      const Ctx ic{inner, c.what};
      const Elem m = read_tag(ic, 0, inflated.size(), "compressed array");
      if (m.type != miMATRIX)
        bad(ic, 0, fmt::format("the compressed element holds {}, expected miMATRIX", type_name(m.type)));
      if (m.next != inflated.size())
        bad(ic, m.next, fmt::format("{} bytes follow the array in the inflated data",
                                    inflated.size() - m.next));
      MatArray a = parse_matrix(ic, m, 0);
      a.offset = e.tag_at;
      a.compressed = true;
      f.variables.push_back(std::move(a));
    } else if (e.type == miMATRIX) {
      f.variables.push_back(parse_matrix(c, e, 0));
    } else {
      bad(c, pos, fmt::format("unexpected top-level element {}, expected miMATRIX or miCOMPRESSED",
                              type_name(e.type)));
    }
    pos = e.next;
  }
  return f;
}

MatFile read_mat_v5(const std::string& path) {
  const hr::io::MappedFile file(path);
  return parse_mat_v5(file.bytes(), path);
}

}  // namespace hr::data::mat
