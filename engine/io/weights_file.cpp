#include "engine/io/weights_file.h"

#include <fmt/format.h>

#include "engine/error.h"
#include "engine/io/byte_reader.h"
#include "engine/io/file.h"
#include "engine/io/zip_reader.h"

namespace hr::io {

namespace {

bool looks_like_safetensors(std::span<const uint8_t> bytes) {
  if (bytes.size() < 10) return false;
  const uint64_t header_len = load_le<uint64_t>(bytes.data());
  return header_len >= 2 && header_len <= bytes.size() - 8 && bytes[8] == '{';
}

std::string first_bytes_hex(std::span<const uint8_t> bytes) {
  std::string out;
  for (size_t i = 0; i < bytes.size() && i < 16; ++i) out += fmt::format("{}{:02x}", i ? " " : "", bytes[i]);
  return out.empty() ? "(empty file)" : out;
}

}  // namespace

std::string_view weights_format_name(WeightsFormat f) {
  switch (f) {
    case WeightsFormat::safetensors: return "safetensors";
    case WeightsFormat::pth_zip: return "pth (zip)";
    case WeightsFormat::pth_legacy: return "pth (legacy)";
  }
  return "?";
}

WeightsFormat detect_weights_format(std::span<const uint8_t> bytes, std::string_view source) {
  if (looks_like_zip(bytes)) return WeightsFormat::pth_zip;
  // Before the pickle test: a safetensors header length can start with the byte 0x80.
  if (looks_like_safetensors(bytes)) return WeightsFormat::safetensors;
  if (looks_like_pickle(bytes)) return WeightsFormat::pth_legacy;
  fail("{}: not a weights file we know (safetensors, or a PyTorch .pth in zip or legacy "
       "format); first bytes: {}", source, first_bytes_hex(bytes));
}

LoadedWeights load_weights(std::span<const uint8_t> bytes, std::string_view source,
                           const StateDictOptions& options) {
  LoadedWeights out;
  out.format = detect_weights_format(bytes, source);
  if (out.format == WeightsFormat::safetensors) {
    HR_CHECK(options.state_dict_key.empty(),
             "{}: state_dict_key '{}' given, but a safetensors file holds one flat set of tensors",
             source, options.state_dict_key);
    SafetensorsContents st = parse_safetensors(bytes, source);
    out.tensors = std::move(st.tensors);
    out.metadata = std::move(st.metadata);
    if (options.strip_module_prefix) out.stripped_module_prefix = strip_common_prefix(out.tensors);
    return out;
  }
  PthContents pth = parse_pth(bytes, source, options);
  out.tensors = std::move(pth.tensors);
  out.state_dict_key = std::move(pth.state_dict_key);
  out.stripped_module_prefix = pth.stripped_module_prefix;
  out.notes = std::move(pth.notes);
  return out;
}

LoadedWeights load_weights_file(const std::string& path, const StateDictOptions& options) {
  MappedFile file(path);
  return load_weights(file.bytes(), path, options);
}

}  // namespace hr::io
