// safetensors: read and write.
//
// Layout: an 8-byte little-endian header length N, N bytes of JSON
//   {"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ...,
//    "__metadata__": {"key": "value", ...}}
// (optionally padded with spaces), then the data area; offsets are relative to its start.
//
// Tensors are stored exactly as given: PyTorch's names and layout (conv weights
// [out, in, kh, kw]); converting from the engine's layout is the caller's job.
//
// Reading accepts F32, F64, I64, F16 and BF16 (and I32/I16/I8/U8/BOOL), converted as
// engine/io/element_types.h says. It validates the whole header before touching data: any
// inconsistency (header length, JSON, field types, dtype, more than 4 dimensions, offsets
// outside the data area, overlapping, leaving holes, not matching dtype x numel) is an
// hr::Error naming the file and the tensor or field. Tensors come back in header order.
//
// Writing emits f32/f64/i64 tensors in the order given (the Python library sorts names;
// both are valid safetensors), the header padded with spaces to a multiple of 8 bytes so
// that the data area is 8-byte aligned, and replaces the destination atomically.
#pragma once
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/io/named_tensors.h"

namespace hr::io {

using SafetensorsMetadata = std::map<std::string, std::string>;

struct SafetensorsContents {
  NamedTensors tensors;
  SafetensorsMetadata metadata;  // the "__metadata__" object, empty when absent
};

// Reads a file; errors name `path`.
SafetensorsContents read_safetensors(const std::string& path);

// Parses an in-memory image of a file; errors name `source`.
SafetensorsContents parse_safetensors(std::span<const uint8_t> bytes, std::string_view source);

// Builds the bytes of a safetensors file. Throws on duplicate or empty names, undefined
// tensors, or an empty metadata key.
std::vector<uint8_t> encode_safetensors(const NamedTensors& tensors,
                                        const SafetensorsMetadata& metadata = {});

// encode_safetensors written to `path` atomically (temporary file + rename).
void write_safetensors(const std::string& path, const NamedTensors& tensors,
                       const SafetensorsMetadata& metadata = {});

}  // namespace hr::io
