#include "engine/registry/forcing.h"

#include <optional>

#include "engine/error.h"

namespace hr::registry {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split_commas(std::string_view s) {
  std::vector<std::string_view> out;
  for (;;) {
    const size_t comma = s.find(',');
    const std::string_view item = trim(s.substr(0, comma));
    if (!item.empty()) out.push_back(item);
    if (comma == std::string_view::npos) return out;
    s.remove_prefix(comma + 1);
  }
}

std::string op_list(const std::vector<OpInfo>& ops) {
  std::string s;
  for (const OpInfo& op : ops) s += (s.empty() ? "" : ", ") + op.name;
  return s;
}

const OpInfo& find_op(std::string_view name, const std::vector<OpInfo>& ops) {
  for (const OpInfo& op : ops)
    if (op.name == name) return op;
  fail("HRNET_KERNELS: unknown op '{}'; valid ops: {}", name, op_list(ops));
}

// `word` for one op: "auto", "native" or one of its versions.
Selection selection_for(const OpInfo& op, std::string_view word) {
  if (word == "auto") return {};
  if (word == "native") {
    HR_CHECK(op.versions.size() > 1, "HRNET_KERNELS: {}=native, but {} has no version besides its baseline {}",
             op.name, op.name, op.baseline());
    return {Selection::Kind::Native, {}};
  }
  HR_CHECK(op.index_of(word) >= 0, "HRNET_KERNELS: unknown version '{}' for op {}; valid: {}, auto, native", word,
           op.name, op.version_list());
  return {Selection::Kind::Version, std::string(word)};
}

// A bare entry: the default of every op. A version that some ops have and `op` lacks leaves
// `op` automatic (HRNET_KERNELS=native_bf16 means bf16 wherever there is one; the exchange
// unit has none); a word that is no version of any op gets selection_for's "unknown version".
Selection default_for(const OpInfo& op, std::string_view word, const std::vector<OpInfo>& ops) {
  if (word == "native" && op.versions.size() == 1) return {};
  bool elsewhere = false;
  for (const OpInfo& other : ops) elsewhere = elsewhere || other.index_of(word) >= 0;
  if (elsewhere && op.index_of(word) < 0) return {};
  return selection_for(op, word);
}

}  // namespace

std::string describe(const Selection& s) {
  switch (s.kind) {
    case Selection::Kind::Auto: return "auto";
    case Selection::Kind::Native: return "native";
    case Selection::Kind::Version: return s.version;
  }
  return "?";
}

std::vector<Selection> parse_forcing(std::string_view spec, const std::vector<OpInfo>& ops) {
  std::optional<std::string_view> bare;
  std::vector<std::optional<Selection>> per_op(ops.size());
  for (const std::string_view entry : split_commas(spec)) {
    const size_t eq = entry.find('=');
    if (eq == std::string_view::npos) {
      HR_CHECK(!bare, "HRNET_KERNELS: two defaults for every op ('{}' and '{}'); give one, then op=version entries",
               *bare, entry);
      bare = entry;
      continue;
    }
    const std::string_view name = trim(entry.substr(0, eq)), word = trim(entry.substr(eq + 1));
    const OpInfo& op = find_op(name, ops);
    auto& slot = per_op[size_t(&op - ops.data())];
    HR_CHECK(!slot, "HRNET_KERNELS: op {} is given twice", op.name);
    slot = selection_for(op, word);
  }
  std::vector<Selection> out;
  for (size_t i = 0; i < ops.size(); ++i) {
    if (per_op[i])
      out.push_back(*per_op[i]);
    else
      out.push_back(bare ? default_for(ops[i], *bare, ops) : Selection{});
  }
  return out;
}

}  // namespace hr::registry
