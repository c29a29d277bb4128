// Internal: the table of official config keys, each with its value kind and where it lives in
// hr::cfg::Config. YAML merging, command-line overrides and to_yaml() are all driven by this
// one table, so a key added here is known everywhere at once.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "hrnet/config/config.h"

namespace hr::cfg::detail {

enum class Kind {
  Bool,
  Int,
  Float,
  String,
  WidthHeight,  // MODEL.IMAGE_SIZE, MODEL.HEATMAP_SIZE: [W, H]
  IntList,      // written [a, b, ...]
  IntTuple,     // GPUS: written (a, b, ...) like the official files
  StringList,
};

using FieldRef = std::variant<bool*, int*, double*, std::string*, cfg::WidthHeight*,
                              std::vector<int>*, std::vector<std::string>*>;

struct FieldSpec {
  std::string key;  // official dotted key, e.g. "MODEL.EXTRA.STAGE2.NUM_MODULES"
  Kind kind;
  std::function<FieldRef(Config&)> ref;
  // pose_hrnet reads the key from MODEL.EXTRA, which has no defaults in default.py.
  bool required_in_file = false;
};

// All fields, sorted by key (byte order, which is also yacs' per-level sorted order).
const std::vector<FieldSpec>& schema();
const FieldSpec* find_field(std::string_view key);
// True for a key that names a node with children (CUDNN, MODEL, MODEL.EXTRA.STAGE2, ...).
bool is_section(std::string_view key);
// A known key (leaf or section) close to `key`, for "did you mean" hints; empty if none is.
std::string closest_key(std::string_view key);

}  // namespace hr::cfg::detail
