#include "engine/io/element_types.h"

#include <bit>
#include <cstring>
#include <type_traits>
#include <utility>

namespace hr::io {

size_t stored_size(StoredType t) {
  switch (t) {
    case StoredType::f64:
    case StoredType::i64: return 8;
    case StoredType::f32:
    case StoredType::i32: return 4;
    case StoredType::f16:
    case StoredType::bf16:
    case StoredType::i16: return 2;
    case StoredType::i8:
    case StoredType::u8:
    case StoredType::boolean: return 1;
  }
  return 0;
}

std::string_view stored_name(StoredType t) {
  switch (t) {
    case StoredType::f32: return "float32";
    case StoredType::f64: return "float64";
    case StoredType::f16: return "float16";
    case StoredType::bf16: return "bfloat16";
    case StoredType::i64: return "int64";
    case StoredType::i32: return "int32";
    case StoredType::i16: return "int16";
    case StoredType::i8: return "int8";
    case StoredType::u8: return "uint8";
    case StoredType::boolean: return "bool";
  }
  return "?";
}

DType loaded_dtype(StoredType t) {
  switch (t) {
    case StoredType::f32:
    case StoredType::f16:
    case StoredType::bf16: return DType::f32;
    case StoredType::f64: return DType::f64;
    default: return DType::i64;
  }
}

std::optional<StoredType> stored_type_from_safetensors(std::string_view n) {
  if (n == "F32") return StoredType::f32;
  if (n == "F64") return StoredType::f64;
  if (n == "F16") return StoredType::f16;
  if (n == "BF16") return StoredType::bf16;
  if (n == "I64") return StoredType::i64;
  if (n == "I32") return StoredType::i32;
  if (n == "I16") return StoredType::i16;
  if (n == "I8") return StoredType::i8;
  if (n == "U8") return StoredType::u8;
  if (n == "BOOL") return StoredType::boolean;
  return std::nullopt;
}

float half_to_float(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1fu;
  uint32_t mant = h & 0x3ffu;
  uint32_t bits;
  if (exp == 0x1f) {
    bits = sign | 0x7f800000u | (mant << 13);  // inf or NaN (payload kept)
  } else if (exp != 0) {
    bits = sign | ((exp + 112u) << 23) | (mant << 13);  // rebias 15 -> 127
  } else if (mant == 0) {
    bits = sign;  // signed zero
  } else {
    // Subnormal half: shift the mantissa up until its leading one is the implicit bit.
    int e = -1;
    do {
      ++e;
      mant <<= 1;
    } while ((mant & 0x400u) == 0);
    bits = sign | (static_cast<uint32_t>(112 - e) << 23) | ((mant & 0x3ffu) << 13);
  }
  return std::bit_cast<float>(bits);
}

float bfloat16_to_float(uint16_t b) { return std::bit_cast<float>(static_cast<uint32_t>(b) << 16); }

namespace {

template <typename T>
T load(const uint8_t* p, bool byteswap) {
  uint8_t buf[sizeof(T)];
  std::memcpy(buf, p, sizeof(T));
  if (byteswap)
    for (size_t i = 0; i < sizeof(T) / 2; ++i) std::swap(buf[i], buf[sizeof(T) - 1 - i]);
  T v;
  std::memcpy(&v, buf, sizeof(T));
  return v;
}

// One loop per (source, destination) pair; `Convert` turns a loaded S into a D.
template <typename S, typename D, typename Convert>
void convert_loop(const uint8_t* src, int64_t count, int64_t stride, D* dst, bool byteswap,
                  Convert convert) {
  const int64_t step = stride * static_cast<int64_t>(sizeof(S));
  if (stride == 1 && !byteswap && std::is_same_v<S, D>) {
    std::memcpy(dst, src, static_cast<size_t>(count) * sizeof(S));  // the common case
    return;
  }
  for (int64_t i = 0; i < count; ++i) dst[i] = convert(load<S>(src + i * step, byteswap));
}

}  // namespace

void convert_elements(const uint8_t* src, StoredType type, int64_t count, int64_t src_stride,
                      void* dst, bool byteswap) {
  if (count <= 0) return;  // an empty tensor may come with a null source
  auto same = [](auto v) { return v; };
  auto to_i64 = [](auto v) { return static_cast<int64_t>(v); };
  float* f = static_cast<float*>(dst);
  int64_t* l = static_cast<int64_t*>(dst);
  switch (type) {
    case StoredType::f32: return convert_loop<float>(src, count, src_stride, f, byteswap, same);
    case StoredType::f64:
      return convert_loop<double>(src, count, src_stride, static_cast<double*>(dst), byteswap, same);
    case StoredType::f16:
      return convert_loop<uint16_t>(src, count, src_stride, f, byteswap, half_to_float);
    case StoredType::bf16:
      return convert_loop<uint16_t>(src, count, src_stride, f, byteswap, bfloat16_to_float);
    case StoredType::i64: return convert_loop<int64_t>(src, count, src_stride, l, byteswap, same);
    case StoredType::i32: return convert_loop<int32_t>(src, count, src_stride, l, byteswap, to_i64);
    case StoredType::i16: return convert_loop<int16_t>(src, count, src_stride, l, byteswap, to_i64);
    case StoredType::i8: return convert_loop<int8_t>(src, count, src_stride, l, false, to_i64);
    case StoredType::u8: return convert_loop<uint8_t>(src, count, src_stride, l, false, to_i64);
    case StoredType::boolean:
      return convert_loop<uint8_t>(src, count, src_stride, l, false,
                                   [](uint8_t v) { return static_cast<int64_t>(v != 0); });
  }
}

}  // namespace hr::io
