#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace hr {

// f32 everywhere; f64 on the CPU backend for gradient checks. i64 only as a storage type for
// checkpoint buffers (num_batches_tracked).
enum class DType : uint8_t { f32, f64, i64 };
enum class Device : uint8_t { CPU, CUDA };

inline size_t dtype_size(DType t) {
  switch (t) {
    case DType::f32: return 4;
    case DType::f64: return 8;
    case DType::i64: return 8;
  }
  return 0;
}

inline std::string_view dtype_name(DType t) {
  switch (t) {
    case DType::f32: return "f32";
    case DType::f64: return "f64";
    case DType::i64: return "i64";
  }
  return "?";
}

inline std::string_view device_name(Device d) { return d == Device::CPU ? "cpu" : "cuda"; }

template <typename T> struct dtype_of;
template <> struct dtype_of<float> { static constexpr DType value = DType::f32; };
template <> struct dtype_of<double> { static constexpr DType value = DType::f64; };
template <> struct dtype_of<int64_t> { static constexpr DType value = DType::i64; };

}  // namespace hr
