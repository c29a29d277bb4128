// Internal: turning config values as written (YAML nodes, command-line text) into typed fields,
// and typed fields back into YAML text.
#pragma once

#include <string>
#include <vector>

#include "hrnet/config/schema.h"

namespace hr::cfg::detail {

// A value before it is given its field's type.
struct RawValue {
  enum class Shape { Null, Scalar, Sequence, Other };
  Shape shape = Shape::Null;
  std::string text;                // Scalar: the text; a YAML scalar arrives already unquoted
  std::vector<std::string> items;  // Sequence: each element's text
  // Command-line text is read the way yacs reads it (ast.literal_eval): a quoted string is
  // unquoted and list elements may be quoted.
  bool python_literal = false;
  std::string shown;  // how an error message shows the value
};

RawValue scalar_from_command_line(const std::string& text);

// Stores `raw` into `field` of `cfg`. Returns "" on success, else why not, as
// "expected an integer, got 'seventeen'".
std::string assign(Config& cfg, const FieldSpec& field, const RawValue& raw);

// The field's value as YAML text, in a form assign() reads back to the same value.
std::string format_value(Config& cfg, const FieldSpec& field);

}  // namespace hr::cfg::detail
