// Reader for PyTorch checkpoint files written by torch.save.
//
// Two container formats:
//   - zip (PyTorch >= 1.6): <prefix>/data.pkl holds the pickled object, <prefix>/data/<key>
//     the raw bytes of each storage, <prefix>/byteorder (newer versions) "little" or "big";
//   - legacy (earlier versions, or _use_new_zipfile_serialization=False): consecutive pickles
//     of the magic number, the protocol version (1001), a sys_info dict, the object, and the
//     list of storage keys, followed by each storage as an 8-byte element count and its
//     raw bytes.
// The pre-0.4 tar-based format is refused with an error saying so.
//
// Which dict holds the weights (the state-dict rule):
//   1. options.state_dict_key, when given: the top-level dict's entry of that name, which
//      must itself be a dict;
//   2. else the top-level entry 'state_dict' if it is a dict (checkpoint.pth of the
//      official tools/train.py holds epoch, model, state_dict, best_state_dict, perf,
//      optimizer; 'state_dict' is the latest weights);
//   3. else 'best_state_dict' if it is a dict;
//   4. else the top-level dict itself (a bare state_dict, as model_best.pth and
//      final_state.pth are), provided it holds at least one tensor.
// Entries whose key is not a string or whose value is not a tensor are skipped and reported
// in `notes`. When every name starts with "module." (an nn.DataParallel state_dict), the
// prefix is removed, unless options.strip_module_prefix is false.
//
// Tensors come back in the dict's order on the CPU: float32 and float64 as they are,
// float16/bfloat16 as f32, integer and bool types as i64 (engine/io/element_types.h).
// Offsets and strides are honoured, so views (slices, transposes) load as torch shows them.
// Only the selected tensors are read; anything malformed about them (missing storage
// member, offset or stride outside the storage, unsupported dtype, more than 4 dimensions)
// is an hr::Error naming the file and the tensor.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/io/named_tensors.h"

namespace hr::io {

struct StateDictOptions {
  std::string state_dict_key;      // empty: the automatic rule above
  bool strip_module_prefix = true;
};

enum class PthFormat { zip, legacy };

struct PthContents {
  PthFormat format = PthFormat::zip;
  NamedTensors tensors;
  std::string state_dict_key;        // the top-level key the tensors came from; "" = top level
  bool stripped_module_prefix = false;
  std::vector<std::string> notes;    // entries skipped, and why
};

PthContents read_pth(const std::string& path, const StateDictOptions& options = {});
PthContents parse_pth(std::span<const uint8_t> bytes, std::string_view source,
                      const StateDictOptions& options = {});

// True when `bytes` start with a pickle (the legacy format; parse_pth checks the magic).
bool looks_like_pickle(std::span<const uint8_t> bytes);

// Removes `prefix` from every name when every name has it (and there is at least one);
// returns whether it did.
bool strip_common_prefix(NamedTensors& tensors, std::string_view prefix = "module.");

}  // namespace hr::io
