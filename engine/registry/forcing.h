// HRNET_KERNELS: forcing the registry's choice.
//
//   (unset or empty)    every op picks its fastest correct version (same as "auto")
//   auto                the same, said explicitly
//   cudnn               a version name alone: every op that has that version uses it; the others
//                       stay automatic (an error only when no op has it)
//   native              every op uses its fastest correct version other than the baseline; an op
//                       whose only version is its baseline keeps it (there is nothing to force)
//   conv_fwd=native_bf16,conv_dgrad=cudnn
//                       per op: a version name, "auto" or "native"; ops not named keep the
//                       default, which one bare entry may set: "native,conv_wgrad=cudnn"
//
// Entries are comma-separated, spaces around names are ignored. Per-op entries override the bare
// one wherever they appear; naming an op twice, or two bare entries, is an error, as is an
// unknown op or version (the message lists the valid ones).
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "engine/registry/version.h"

namespace hr::registry {

struct Selection {
  enum class Kind { Auto, Native, Version };
  Kind kind = Kind::Auto;
  std::string version;  // Kind::Version only

  bool forced() const { return kind != Kind::Auto; }
};

// "auto", "native" or the version name.
std::string describe(const Selection& s);

// One Selection per op, in `ops` order. Throws hr::Error naming what is wrong in `spec`.
std::vector<Selection> parse_forcing(std::string_view spec, const std::vector<OpInfo>& ops);

}  // namespace hr::registry
