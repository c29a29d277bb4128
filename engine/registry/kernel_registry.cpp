#include "engine/registry/kernel_registry.h"

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>

#include "engine/error.h"
#include "engine/registry/measure.h"
#include "engine/registry/measurement_json.h"

namespace hr::registry {

RegistryOptions options_from_env(std::string device) {
  RegistryOptions o;
  o.device = std::move(device);
  if (const char* path = std::getenv("HRNET_KERNEL_CACHE"))
    o.cache_path = path;
  else if (const char* home = std::getenv("HOME"); home && *home)
    o.cache_path = std::string(home) + "/.cache/hrnet/kernels.json";
  if (const char* force = std::getenv("HRNET_KERNELS")) o.force = force;
  return o;
}

namespace {
Warn or_stderr(Warn w) {
  if (w) return w;
  return [](const std::string& line) { std::fprintf(stderr, "warning: %s\n", line.c_str()); };
}
}  // namespace

KernelRegistry::KernelRegistry(std::vector<OpInfo> ops, RegistryOptions options)
    : ops_(std::move(ops)),
      options_(std::move(options)),
      selections_(parse_forcing(options_.force, ops_)),
      cache_(options_.cache_path, or_stderr(options_.warn)) {
  options_.warn = or_stderr(options_.warn);
  for (const OpInfo& op : ops_) HR_CHECK(!op.versions.empty(), "kernel registry: op {} has no versions", op.name);
}

size_t KernelRegistry::op_index(const std::string& name) const {
  for (size_t i = 0; i < ops_.size(); ++i)
    if (ops_[i].name == name) return i;
  std::string valid;
  for (const OpInfo& op : ops_) valid += (valid.empty() ? "" : ", ") + op.name;
  fail("kernel registry: unknown op '{}'; registered: {}", name, valid);
}

const OpInfo& KernelRegistry::op(const std::string& name) const { return ops_[op_index(name)]; }
const Selection& KernelRegistry::selection(const std::string& op) const { return selections_[op_index(op)]; }

std::string KernelRegistry::choose(const std::string& op, const std::string& shape,
                                   const std::function<Trial()>& make_trial) {
  const size_t i = op_index(op);
  std::lock_guard<std::mutex> lock(mutex_);
  const auto key = std::make_pair(op, shape);
  if (const auto it = chosen_.find(key); it != chosen_.end()) return it->second;
  const Selection& s = selections_[i];
  std::string name = s.kind == Selection::Kind::Version ? decide_forced(i, shape, make_trial)
                                                         : decide(i, shape, make_trial);
  chosen_.emplace(key, name);
  return name;
}

std::string KernelRegistry::decide(size_t op_index, const std::string& shape,
                                   const std::function<Trial()>& make_trial) {
  const OpInfo& op = ops_[op_index];
  const bool native = selections_[op_index].kind == Selection::Kind::Native;
  std::optional<Measurement> m = cached(op, shape);
  if (!m) m = measured(op, shape, make_trial);
  std::string rejected;
  for (const VersionResult& r : m->versions) {
    if (r.status == Status::Ok) continue;
    if (r.status == Status::Failed) options_.warn(describe_rejection(op, shape, r) + "; not used");
    rejected += "; " + describe_rejection(op, shape, r);
  }
  const int best = fastest(*m, native);
  HR_CHECK(best >= 0, "HRNET_KERNELS forces {}=native, but no version of it other than {} can run [{}]{}", op.name,
           op.baseline(), shape, rejected);
  return m->versions[size_t(best)].name;
}

std::string KernelRegistry::decide_forced(size_t op_index, const std::string& shape,
                                          const std::function<Trial()>& make_trial) {
  const OpInfo& op = ops_[op_index];
  const std::string& name = selections_[op_index].version;
  const size_t v = size_t(op.index_of(name));
  if (v == 0) return name;  // the baseline is the reference: nothing to check it against
  // A cached measurement already says whether it is correct; otherwise check it alone, untimed
  // (forcing must not run the versions it was meant to avoid). Not written to the cache file,
  // which holds complete measurements only.
  VersionResult r;
  if (const std::optional<Measurement> m = cached(op, shape))
    r = m->versions[v];
  else
    r = check_one(op, make_trial(), v);
  HR_CHECK(r.status == Status::Ok,
           "HRNET_KERNELS forces {}={}, but {} (a forced version is never replaced; force another or unset it)",
           op.name, name, describe_rejection(op, shape, r));
  return name;
}

std::optional<Measurement> KernelRegistry::cached(const OpInfo& op, const std::string& shape) {
  const std::string key = cache_key(options_.device, op.name, shape);
  const std::optional<nlohmann::json> entry = cache_.get(key);
  if (!entry) return std::nullopt;
  Measurement m;
  try {
    m = measurement_from_json(entry->at("versions"));
  } catch (const std::exception& e) {
    options_.warn(fmt::format("kernel cache {}: entry '{}' is malformed ({}); measuring again", cache_.path(), key,
                              e.what()));
    return std::nullopt;
  }
  // Versions registered or removed since it was written: the entry is stale, measure again.
  if (m.versions.size() != op.versions.size()) return std::nullopt;
  for (size_t i = 0; i < m.versions.size(); ++i)
    if (m.versions[i].name != op.versions[i].name) return std::nullopt;
  return m;
}

Measurement KernelRegistry::measured(const OpInfo& op, const std::string& shape,
                                     const std::function<Trial()>& make_trial) {
  Measurement m = measure(op, make_trial());
  const int best = fastest(m, false);
  nlohmann::json entry = {{"chosen", best >= 0 ? m.versions[size_t(best)].name : ""}, {"versions", to_json(m)}};
  cache_.put(cache_key(options_.device, op.name, shape), std::move(entry));
  return m;
}

}  // namespace hr::registry
