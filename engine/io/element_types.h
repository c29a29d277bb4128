// Element types as files store them, and their conversion to the engine's dtypes.
//
// Weight files may hold types our Tensor does not have. The rule, shared by the safetensors
// and .pth readers: float32 and float64 are kept; float16 and bfloat16 widen to f32 (exact);
// every integer type and bool widens to i64 (exact). Anything else (complex, float8,
// quantized) is refused by the readers with an error naming the tensor.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "engine/dtype.h"

namespace hr::io {

enum class StoredType : uint8_t { f32, f64, f16, bf16, i64, i32, i16, i8, u8, boolean };

size_t stored_size(StoredType t);
std::string_view stored_name(StoredType t);  // "float32", "bfloat16", ...
DType loaded_dtype(StoredType t);             // the engine dtype a stored type becomes

// safetensors dtype strings: "F32", "F64", "F16", "BF16", "I64", "I32", "I16", "I8", "U8",
// "BOOL". nullopt for anything else.
std::optional<StoredType> stored_type_from_safetensors(std::string_view name);

// Converts `count` elements read from `src` (any alignment), `src_stride` elements apart,
// into contiguous `dst`, which has loaded_dtype(type). `byteswap` reverses each element's
// bytes first (big-endian .pth files).
void convert_elements(const uint8_t* src, StoredType type, int64_t count, int64_t src_stride,
                      void* dst, bool byteswap);

// IEEE half and bfloat16 bit patterns to float; exact, including subnormals, inf and NaN.
float half_to_float(uint16_t h);
float bfloat16_to_float(uint16_t b);

}  // namespace hr::io
