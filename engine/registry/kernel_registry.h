// The kernel registry: for an op with several implementations (the cuDNN/cuBLAS baseline and
// our native kernels), which one to run on a given shape.
//
// On first use of an (op, shape) the registry runs every version on scratch data, checks each
// against the baseline (normalized error within the version's tolerance), times the correct
// ones with the caller's timer, and picks the fastest. A version that fails is never chosen and
// is reported in one warning line (op, shape, version, error). The measurement is kept in
// memory and in a cache file keyed by GPU name, registry format, op and shape (cache_file.h).
// HRNET_KERNELS can force versions (forcing.h); a forced version is still checked once, and if
// it is wrong that is an error, not a silent fallback: the person forcing it asked for that
// kernel, and running another one instead would make their measurement lie.
//
// Nothing here depends on CUDA: versions are callables (version.h). engine/cuda/conv_registry.h
// builds them for convolutions.
#pragma once
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "engine/registry/cache_file.h"
#include "engine/registry/forcing.h"
#include "engine/registry/version.h"

namespace hr::registry {

struct RegistryOptions {
  std::string device;      // GPU name: part of every cache key
  std::string cache_path;  // empty: choices are kept in memory only
  std::string force;       // HRNET_KERNELS syntax (forcing.h); empty: automatic
  Warn warn;               // one line per call; empty: "warning: ..." on stderr
};

// From the environment: HRNET_KERNEL_CACHE (the path; set but empty: memory only; unset:
// $HOME/.cache/hrnet/kernels.json, or memory only without HOME) and HRNET_KERNELS.
RegistryOptions options_from_env(std::string device);

class KernelRegistry {
 public:
  // Throws hr::Error if options.force names an unknown op or version.
  KernelRegistry(std::vector<OpInfo> ops, RegistryOptions options);

  // Name of the version to run for `op` on `shape` (a caller-made key that identifies the
  // shape and anything else the choice depends on). `make_trial` is called only when the
  // shape has to be measured or checked. Thread-safe.
  std::string choose(const std::string& op, const std::string& shape, const std::function<Trial()>& make_trial);

  const std::vector<OpInfo>& ops() const { return ops_; }
  const OpInfo& op(const std::string& name) const;
  const Selection& selection(const std::string& op) const;

 private:
  std::string decide(size_t op_index, const std::string& shape, const std::function<Trial()>& make_trial);
  std::string decide_forced(size_t op_index, const std::string& shape, const std::function<Trial()>& make_trial);
  // The cached measurement of the key if its versions are the op's, else nullopt.
  std::optional<Measurement> cached(const OpInfo& op, const std::string& shape);
  Measurement measured(const OpInfo& op, const std::string& shape, const std::function<Trial()>& make_trial);
  size_t op_index(const std::string& name) const;

  std::vector<OpInfo> ops_;
  RegistryOptions options_;
  std::vector<Selection> selections_;  // per op
  CacheFile cache_;
  std::mutex mutex_;
  std::map<std::pair<std::string, std::string>, std::string> chosen_;  // (op, shape) -> version
};

}  // namespace hr::registry
