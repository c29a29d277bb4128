// The vocabulary of the kernel registry (engine/registry/kernel_registry.h): an op with several
// implementations ("versions") of the same contract, the runnable form of those versions for
// one shape, and what measuring them found. Nothing here knows about CUDA: a version is a pair
// of callables, so the whole selection logic runs (and is tested) on the CPU with fakes.
#pragma once
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace hr::registry {

// One registered implementation of an op.
struct VersionInfo {
  std::string name;      // "cudnn", "native_f32", ...: what HRNET_KERNELS and the cache file say
  double tolerance = 0;  // largest normalized error against the baseline that counts as correct
};

// An op and its versions. versions[0] is the baseline (the library): the reference every other
// version is checked against, correct by definition (its tolerance is not used).
struct OpInfo {
  std::string name;  // "conv_fwd", ...
  std::vector<VersionInfo> versions;

  const std::string& baseline() const { return versions.front().name; }
  // Index of the version called `name`, -1 if there is none.
  int index_of(std::string_view name) const;
  // "cudnn, native_f32, native_bf16": for error messages.
  std::string version_list() const;
};

// A version made runnable for one shape, built by the caller only when that shape is measured.
// run() computes into this version's own scratch output. error() compares that output with the
// baseline's and returns the normalized error (max_normalized_error); it is called right after
// this version's first run, while the baseline's output still holds its first run (backward
// kernels accumulate, so later runs would change both).
struct Candidate {
  std::string unsupported;  // non-empty: this version cannot run this shape (why); nothing is called
  std::function<void()> run;
  std::function<double()> error;  // unused for the baseline
};

// Everything measure() needs for one (op, shape).
struct Trial {
  std::vector<Candidate> candidates;  // one per OpInfo::versions entry, in the same order
  // Milliseconds one call of `run` takes (on CUDA: median over CUDA events after a warmup).
  std::function<double(const std::function<void()>& run)> time_ms;
};

enum class Status { Ok, Failed, Unsupported };
const char* status_name(Status s);  // "ok", "failed", "unsupported"

// What measuring found for one version on one shape.
struct VersionResult {
  std::string name;
  Status status = Status::Ok;
  double error = 0;    // normalized error against the baseline (NaN when the run threw)
  double ms = 0;       // Ok and timed: the timer's figure; 0 when not timed
  std::string detail;  // Failed: the exception's message if it threw; Unsupported: why
};

struct Measurement {
  std::vector<VersionResult> versions;  // in OpInfo order
};

}  // namespace hr::registry
