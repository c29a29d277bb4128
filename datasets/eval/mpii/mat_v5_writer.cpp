// MAT v5 writer: header, then one miMATRIX element (array flags, dimensions, name, real
// part). Elements of at most 4 bytes use the small-data-element form, as scipy does, so the
// output matches scipy.io.savemat byte for byte after the header text.
#include "datasets/eval/mpii/mat_v5_writer.h"

#include <bit>
#include <cstring>
#include <limits>

#include "engine/error.h"
#include "engine/io/file.h"

namespace hr::data::mat {

namespace {

// The values are copied as raw bytes into a little-endian file.
static_assert(std::endian::native == std::endian::little, "MAT writer assumes a little-endian host");

constexpr uint32_t kMiInt8 = 1, kMiUInt32 = 6, kMiInt32 = 5, kMiSingle = 7, kMiDouble = 9,
                   kMiMatrix = 14;
constexpr uint32_t kClassDouble = 6, kClassSingle = 7;

void put32(std::vector<uint8_t>& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

// One data element: small form up to 4 bytes, else tag + data + zero padding to 8 bytes.
void put_element(std::vector<uint8_t>& out, uint32_t type, const void* data, size_t bytes) {
  const auto* p = static_cast<const uint8_t*>(data);
  if (bytes <= 4) {
    put32(out, type | static_cast<uint32_t>(bytes << 16));
    out.insert(out.end(), p, p + bytes);
    out.resize(out.size() + 4 - bytes, 0);
    return;
  }
  put32(out, type);
  put32(out, static_cast<uint32_t>(bytes));
  out.insert(out.end(), p, p + bytes);
  out.resize(out.size() + (8 - bytes % 8) % 8, 0);
}

template <typename T>
std::vector<uint8_t> encode(const std::string& name, const std::vector<int64_t>& dims,
                            std::span<const T> values, uint32_t mi_type, uint32_t cls) {
  HR_CHECK(dims.size() >= 2, "MAT writer: array '{}' needs at least 2 dimensions, got {}", name,
           dims.size());
  HR_CHECK(!name.empty() && name.size() <= 63, "MAT writer: bad array name '{}'", name);
  int64_t numel = 1;
  std::vector<int32_t> d32;
  for (int64_t d : dims) {
    HR_CHECK(d >= 0 && d <= std::numeric_limits<int32_t>::max(),
             "MAT writer: array '{}': dimension {} out of range", name, d);
    d32.push_back(static_cast<int32_t>(d));
    numel *= d;
  }
  HR_CHECK(static_cast<size_t>(numel) == values.size(),
           "MAT writer: array '{}': {} values for dimensions whose product is {}", name,
           values.size(), numel);
  HR_CHECK(values.size() * sizeof(T) < (size_t{1} << 31),
           "MAT writer: array '{}' is too large for a MAT v5 element", name);

  std::vector<uint8_t> body;
  const uint32_t flags[2] = {cls, 0};
  put_element(body, kMiUInt32, flags, sizeof(flags));
  put_element(body, kMiInt32, d32.data(), d32.size() * 4);
  put_element(body, kMiInt8, name.data(), name.size());
  put_element(body, mi_type, values.data(), values.size() * sizeof(T));

  std::vector<uint8_t> out(128, 0);
  const std::string text = "MATLAB 5.0 MAT-file, written by hrnet-engine";
  std::memset(out.data(), ' ', 116);  // MATLAB pads the text with spaces
  std::memcpy(out.data(), text.data(), text.size());
  out[124] = 0x00;  // version 0x0100, little-endian
  out[125] = 0x01;
  out[126] = 'I';  // 'MI' as a little-endian uint16
  out[127] = 'M';
  put32(out, kMiMatrix);
  put32(out, static_cast<uint32_t>(body.size()));
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  hr::io::write_file_atomic(path, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

}  // namespace

std::vector<uint8_t> encode_mat_v5(const std::string& name, const std::vector<int64_t>& dims,
                                   std::span<const float> values) {
  return encode(name, dims, values, kMiSingle, kClassSingle);
}

std::vector<uint8_t> encode_mat_v5(const std::string& name, const std::vector<int64_t>& dims,
                                   std::span<const double> values) {
  return encode(name, dims, values, kMiDouble, kClassDouble);
}

void write_mat_v5(const std::string& path, const std::string& name,
                  const std::vector<int64_t>& dims, std::span<const float> values) {
  write_bytes(path, encode_mat_v5(name, dims, values));
}

void write_mat_v5(const std::string& path, const std::string& name,
                  const std::vector<int64_t>& dims, std::span<const double> values) {
  write_bytes(path, encode_mat_v5(name, dims, values));
}

}  // namespace hr::data::mat
