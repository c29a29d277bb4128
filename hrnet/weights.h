// Moving weights between a Module and PyTorch-named, PyTorch-laid-out tensors.
//
// Files carry conv weights as [Cout][Cin][K][K] (PyTorch); the engine keeps [Cout][K][K][Cin].
// Every 4-D tensor of a module is a conv weight, so the mapping is by rank.
//
// Loading is STRICT by default: every missing, unexpected and shape-mismatched key is named in
// one error. The official tools load with strict=False, which silently leaves random weights
// when, say, a checkpoint's keys carry a 'module.' prefix; we refuse that unless asked.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "engine/io/named_tensors.h"
#include "engine/module.h"

namespace hr::net {

using io::NamedTensors;

// The module's state_dict in PyTorch layout, on the CPU, f32 (i64 counters stay i64).
NamedTensors export_state_dict(Module& m);

struct LoadOptions {
  bool strict = true;
  // Official MODEL.EXTRA.PRETRAINED_LAYERS: only keys whose first dotted component is listed are
  // taken ("*" first takes all); keys outside the filter are ignored, not errors.
  std::vector<std::string> only_layers;
};

struct LoadReport {
  std::vector<std::string> loaded;
  std::vector<std::string> missing;     // in the module, not in the file
  std::vector<std::string> unexpected;  // in the file, not in the module (after filtering)
  std::vector<std::string> filtered;    // in the file, left out by only_layers
  std::string summary() const;
};

// Copies matching tensors into the module (converting dtype, transposing conv weights, moving to
// the module's device). num_batches_tracked may be absent from the file (older PyTorch): that
// is not "missing". Shape mismatches are always errors (as in PyTorch, even non-strict).
// With strict, any missing or unexpected key is an error. `source` names the file in messages.
LoadReport load_state_dict(Module& m, const NamedTensors& tensors, const LoadOptions& options,
                           const std::string& source);

}  // namespace hr::net
