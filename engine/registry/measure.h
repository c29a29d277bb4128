// Checking and timing the versions of one op on one shape (llm.c's rule: a kernel is timed
// only after it has been shown to compute the right thing).
#pragma once
#include <span>

#include "engine/registry/version.h"

namespace hr::registry {

// max |got - ref| / max |ref|: one number per output tensor, scaled by the reference's largest
// magnitude rather than element by element (an element-wise relative error explodes on outputs
// near zero). NaN or infinity in `got` gives NaN, which fails every tolerance. Sizes must match.
double max_normalized_error(std::span<const float> ref, std::span<const float> got);

// Whether `error` is within `tolerance` (false for NaN).
inline bool within(double error, double tolerance) { return error <= tolerance; }

// Runs the baseline, then checks every other supported version against it (a version whose
// run throws fails with the message), then times the baseline and every correct version.
// Versions are run and timed in OpInfo order. Exceptions from the baseline propagate.
Measurement measure(const OpInfo& op, const Trial& trial);

// Runs the baseline and checks versions[index] only, without timing: what a forced version
// needs when no measurement of its shape is cached. index 0 returns the baseline as Ok.
VersionResult check_one(const OpInfo& op, const Trial& trial, size_t index);

// Index of the fastest Ok version (the first on a tie), or -1 when there is none. With
// `exclude_baseline` the baseline is not a candidate (HRNET_KERNELS=native).
int fastest(const Measurement& m, bool exclude_baseline);

// "native_bf16 disagrees with cudnn on conv_fwd [shape]: normalized error 3.1e-01 > tolerance
// 1.0e-02" / "... threw: message" / "... does not support [shape]: why".
std::string describe_rejection(const OpInfo& op, const std::string& shape, const VersionResult& r);

}  // namespace hr::registry
