// load_weights_file: one entry point for every weight file the engine reads.
//
// The format is decided from the file's first bytes, never from its extension:
//   "PK\x03\x04"                          -> PyTorch zip checkpoint (torch.save, >= 1.6)
//   u64 length n, then '{' at byte 8, n fits the file -> safetensors
//   0x80 (pickle PROTO)                   -> legacy PyTorch checkpoint (magic checked)
// Anything else is an error that names the file and shows its first bytes.
#pragma once
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/io/named_tensors.h"
#include "engine/io/pth.h"
#include "engine/io/safetensors.h"

namespace hr::io {

enum class WeightsFormat { safetensors, pth_zip, pth_legacy };

std::string_view weights_format_name(WeightsFormat f);  // "safetensors", "pth (zip)", ...

// Sniffs the format; throws hr::Error naming `source` when it is none of the three.
WeightsFormat detect_weights_format(std::span<const uint8_t> bytes, std::string_view source);

struct LoadedWeights {
  WeightsFormat format = WeightsFormat::safetensors;
  NamedTensors tensors;
  SafetensorsMetadata metadata;      // safetensors only
  std::string state_dict_key;        // .pth only: see pth.h; "" = the top-level dict
  bool stripped_module_prefix = false;
  std::vector<std::string> notes;    // entries skipped
};

// `options.strip_module_prefix` applies to every format; `options.state_dict_key` only to
// .pth files (a safetensors file is one flat dict, so naming a key there is an error).
LoadedWeights load_weights_file(const std::string& path, const StateDictOptions& options = {});
LoadedWeights load_weights(std::span<const uint8_t> bytes, std::string_view source,
                           const StateDictOptions& options = {});

}  // namespace hr::io
