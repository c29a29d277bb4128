#include "engine/registry/measure.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>

#include "engine/error.h"

namespace hr::registry {

int OpInfo::index_of(std::string_view name) const {
  for (size_t i = 0; i < versions.size(); ++i)
    if (versions[i].name == name) return int(i);
  return -1;
}

std::string OpInfo::version_list() const {
  std::string s;
  for (const VersionInfo& v : versions) s += (s.empty() ? "" : ", ") + v.name;
  return s;
}

const char* status_name(Status s) {
  switch (s) {
    case Status::Ok: return "ok";
    case Status::Failed: return "failed";
    case Status::Unsupported: return "unsupported";
  }
  return "?";
}

double max_normalized_error(std::span<const float> ref, std::span<const float> got) {
  HR_CHECK(ref.size() == got.size(), "max_normalized_error: {} reference values but {} to compare", ref.size(),
           got.size());
  double diff = 0, scale = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    const double d = std::abs(double(got[i]) - double(ref[i]));
    if (!std::isfinite(d)) return std::numeric_limits<double>::quiet_NaN();
    diff = std::max(diff, d);
    scale = std::max(scale, std::abs(double(ref[i])));
  }
  // An all-zero reference: any difference at all is a full error.
  if (scale == 0) return diff == 0 ? 0.0 : std::numeric_limits<double>::infinity();
  return diff / scale;
}

namespace {

void check_trial(const OpInfo& op, const Trial& trial) {
  HR_CHECK(!op.versions.empty(), "kernel registry: op {} has no versions", op.name);
  HR_CHECK(trial.candidates.size() == op.versions.size(),
           "kernel registry: op {} has {} versions ({}) but the trial built {} candidates", op.name,
           op.versions.size(), op.version_list(), trial.candidates.size());
  HR_CHECK(trial.candidates[0].unsupported.empty(), "kernel registry: the baseline {} of {} cannot run: {}",
           op.baseline(), op.name, trial.candidates[0].unsupported);
}

// Runs candidate i once and compares it with the baseline's output (already computed).
VersionResult check_version(const OpInfo& op, const Trial& trial, size_t i) {
  const Candidate& c = trial.candidates[i];
  VersionResult r;
  r.name = op.versions[i].name;
  if (!c.unsupported.empty()) {
    r.status = Status::Unsupported;
    r.detail = c.unsupported;
    return r;
  }
  try {
    c.run();
    r.error = c.error();
  } catch (const std::exception& e) {
    r.status = Status::Failed;
    r.error = std::numeric_limits<double>::quiet_NaN();
    r.detail = e.what();
    return r;
  }
  r.status = within(r.error, op.versions[i].tolerance) ? Status::Ok : Status::Failed;
  return r;
}

VersionResult baseline_result(const OpInfo& op) {
  VersionResult r;
  r.name = op.baseline();
  return r;
}

}  // namespace

Measurement measure(const OpInfo& op, const Trial& trial) {
  check_trial(op, trial);
  trial.candidates[0].run();
  Measurement m;
  m.versions.push_back(baseline_result(op));
  for (size_t i = 1; i < op.versions.size(); ++i) m.versions.push_back(check_version(op, trial, i));
  for (size_t i = 0; i < m.versions.size(); ++i)
    if (m.versions[i].status == Status::Ok) m.versions[i].ms = trial.time_ms(trial.candidates[i].run);
  return m;
}

VersionResult check_one(const OpInfo& op, const Trial& trial, size_t index) {
  check_trial(op, trial);
  HR_CHECK(index < op.versions.size(), "kernel registry: op {} has no version #{}", op.name, index);
  if (index == 0) return baseline_result(op);
  trial.candidates[0].run();
  return check_version(op, trial, index);
}

int fastest(const Measurement& m, bool exclude_baseline) {
  int best = -1;
  for (size_t i = exclude_baseline ? 1 : 0; i < m.versions.size(); ++i) {
    const VersionResult& r = m.versions[i];
    if (r.status != Status::Ok) continue;
    if (best < 0 || r.ms < m.versions[size_t(best)].ms) best = int(i);
  }
  return best;
}

std::string describe_rejection(const OpInfo& op, const std::string& shape, const VersionResult& r) {
  const std::string where = fmt::format("{} of {} on [{}]", r.name, op.name, shape);
  if (r.status == Status::Unsupported) return fmt::format("{} is not supported: {}", where, r.detail);
  if (!r.detail.empty()) return fmt::format("{} threw: {}", where, r.detail);
  const int i = op.index_of(r.name);
  const double tol = i >= 0 ? op.versions[size_t(i)].tolerance : 0.0;
  return fmt::format("{} disagrees with {}: normalized error {:.1e} > tolerance {:.1e}", where, op.baseline(),
                     r.error, tol);
}

}  // namespace hr::registry
