// The markdown table of `hrnet-bench kernels` for one geometry and pass, built from registry
// Measurements. Host code (the GPU half only measures), so the formatting is tested on the CPU.
//
// Per version: ms (the timer's median), for natives the speed-up against the baseline (baseline
// time / native time: above 1, ours is faster), achieved TFLOP/s (2 FLOPs per multiply-add) and
// GB/s (conv_pass_bytes) with their fraction of the GPU's peak (n/a on an unknown GPU). A failed
// version shows "FAIL <error>" and no figures; the total row then says how many shapes it missed.
#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "engine/registry/version.h"
#include "gpu_peaks.h"
#include "hrnet_shapes.h"

namespace hr::bench {

class PassTable {
 public:
  // tf32: the baseline runs in TF32 (its fraction is then of the TF32 peak, else of fp32 SIMT).
  PassTable(registry::OpInfo op, std::optional<GpuPeaks> peaks, bool tf32);

  std::string header() const;  // the column names and the alignment rule, two lines
  // The row of shape `index` (its number in hrnet_conv_shapes); adds it to the totals.
  std::string row(size_t index, const ConvShape& s, const registry::Measurement& m);
  // Count-weighted sums over the rows so far.
  std::string total_row() const;
  // One line per failed check so far (registry::describe_rejection).
  const std::vector<std::string>& failures() const { return failures_; }

 private:
  struct Total {
    double ms = 0;
    int64_t macs = 0, bytes = 0;
    int not_ok = 0;
  };
  std::optional<double> flop_peak(size_t version) const;
  std::string cells(size_t version, double ms, double base_ms, int64_t macs, int64_t bytes) const;

  registry::OpInfo op_;
  std::optional<GpuPeaks> peaks_;
  bool tf32_;
  std::vector<Total> totals_;
  std::vector<std::string> failures_;
};

// One --json record: the geometry, pass, shape (label, count, ConvDesc, MACs, bytes) and the
// measurement (registry/measurement_json.h).
nlohmann::json kernels_record(const HrnetGeometry& g, const std::string& pass, const ConvShape& s,
                              const registry::Measurement& m);

// A timed cell of the exchange and BN tables: "0.123 (2.41x)" (ms and base_ms / ms), or
// "FAIL 3.0e-01" (the error) when the check failed and nothing was timed.
std::string timed_cell(bool ok, double err, double ms, double base_ms);

}  // namespace hr::bench
