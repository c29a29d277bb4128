// The official trailing `KEY VALUE` config overrides on every app's command line.
//
// They are taken as CLI11's unparsed extras, verbatim: a positional vector option would expand
// a bracketed value such as `MODEL.IMAGE_SIZE [192,256]` into two items and the pairs would
// fall apart. Unknown keys are refused later by the config loader, naming the key.
#pragma once
#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace hr::app {

// Lets `cmd` (an app or a subcommand) accept the overrides; read them after parsing with
// config_overrides(cmd).
inline void accept_config_overrides(CLI::App& cmd, const std::string& example = "TEST.USE_GT_BBOX true") {
  cmd.allow_extras();
  cmd.footer("Trailing arguments: official KEY VALUE config overrides, e.g. " + example);
}

inline std::vector<std::string> config_overrides(const CLI::App& cmd) { return cmd.remaining(); }

}  // namespace hr::app
