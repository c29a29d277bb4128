#include "kernels_table.h"

#include <fmt/format.h>

#include <cmath>

#include "engine/registry/measure.h"
#include "engine/registry/measurement_json.h"
#include "kernels_list.h"

namespace hr::bench {
namespace {

using registry::Status;
using registry::VersionResult;

double tflops(int64_t macs, double ms) { return ms > 0 ? 2.0 * double(macs) / (ms * 1e9) : 0.0; }
double gbs(int64_t bytes, double ms) { return ms > 0 ? double(bytes) / (ms * 1e6) : 0.0; }

// "12.3 (18%)", or "12.3 (n/a)" without a peak.
std::string rate_cell(double value, std::optional<double> peak) {
  const int decimals = value < 10 ? 2 : value < 100 ? 1 : 0;
  if (!peak) return fmt::format("{:.{}f} (n/a)", value, decimals);
  return fmt::format("{:.{}f} ({:.0f}%)", value, decimals, 100.0 * value / *peak);
}

// The cells of a version that has no time: what went wrong, then dashes for the figures.
std::string missing_cells(const std::string& what, bool baseline) {
  return fmt::format(" {} |{} - | - |", what, baseline ? "" : " - |");
}

}  // namespace

PassTable::PassTable(registry::OpInfo op, std::optional<GpuPeaks> peaks, bool tf32)
    : op_(std::move(op)), peaks_(peaks), tf32_(tf32), totals_(op_.versions.size()) {}

std::optional<double> PassTable::flop_peak(size_t version) const {
  if (!peaks_) return std::nullopt;
  const std::string& name = op_.versions[version].name;
  if (name == "native_bf16" || name == "native_bf16p") return peaks_->bf16_tflops;
  if (version == 0 && tf32_) return peaks_->tf32_tflops;
  return peaks_->fp32_tflops;
}

std::string PassTable::header() const {
  std::string h = "| # | shape | label | count |", rule = "|---:|---|---|---:|";
  for (size_t v = 0; v < op_.versions.size(); ++v) {
    const std::string& n = op_.versions[v].name;
    h += fmt::format(" {} ms |", n);
    if (v > 0) h += fmt::format(" {} vs {} |", n, op_.baseline());
    h += fmt::format(" {} TFLOP/s (% peak) | {} GB/s (% peak) |", n, n);
    rule += v > 0 ? "---:|---:|---:|---:|" : "---:|---:|---:|";
  }
  return h + "\n" + rule + "\n";
}

std::string PassTable::cells(size_t version, double ms, double base_ms, int64_t macs, int64_t bytes) const {
  const std::optional<double> bw = peaks_ ? std::optional<double>(peaks_->bandwidth_gbs) : std::nullopt;
  std::string s = fmt::format(" {:.4f} |", ms);
  if (version > 0) s += fmt::format(" {:.2f}x |", base_ms / ms);
  return s + fmt::format(" {} | {} |", rate_cell(tflops(macs, ms), flop_peak(version)), rate_cell(gbs(bytes, ms), bw));
}

std::string PassTable::row(size_t index, const ConvShape& s, const registry::Measurement& m) {
  const kern::ConvDesc& d = s.desc;
  const int64_t bytes = conv_pass_bytes(d);
  std::string line = fmt::format("| {} | {} | {} | {} |", index, describe_desc(d), s.label, s.count);
  for (size_t v = 0; v < m.versions.size(); ++v) {
    const VersionResult& r = m.versions[v];
    Total& t = totals_[v];
    if (r.status != Status::Ok) {
      ++t.not_ok;
      if (r.status == Status::Unsupported) {
        line += missing_cells("unsupported", v == 0);
        continue;
      }
      line += missing_cells(std::isfinite(r.error) ? fmt::format("FAIL {:.1e}", r.error) : "FAIL (threw)", v == 0);
      failures_.push_back(registry::describe_rejection(op_, describe_desc(d), r));
      continue;
    }
    line += cells(v, r.ms, m.versions[0].ms, d.macs(), bytes);
    t.ms += s.count * r.ms;
    t.macs += s.count * d.macs();
    t.bytes += s.count * bytes;
  }
  return line;
}

std::string PassTable::total_row() const {
  std::string line = "| | **total**, count-weighted | | |";
  for (size_t v = 0; v < totals_.size(); ++v) {
    const Total& t = totals_[v];
    if (t.not_ok > 0)
      line += missing_cells(fmt::format("n/a ({} shapes not ok)", t.not_ok), v == 0);
    else
      line += cells(v, t.ms, totals_[0].ms, t.macs, t.bytes);
  }
  return line;
}

nlohmann::json kernels_record(const HrnetGeometry& g, const std::string& pass, const ConvShape& s,
                              const registry::Measurement& m) {
  const kern::ConvDesc& d = s.desc;
  return {{"geometry", {{"width", g.width}, {"image_h", g.image_h}, {"image_w", g.image_w}, {"batch", g.batch}}},
          {"pass", pass},
          {"label", s.label},
          {"count", s.count},
          {"desc",
           {{"N", d.N}, {"H", d.H}, {"W", d.W}, {"Cin", d.Cin}, {"Cout", d.Cout}, {"K", d.K}, {"stride", d.stride}}},
          {"macs", d.macs()},
          {"bytes", conv_pass_bytes(d)},
          {"versions", registry::to_json(m)}};
}

std::string timed_cell(bool ok, double err, double ms, double base_ms) {
  if (!ok) return fmt::format("FAIL {:.1e}", err);
  return fmt::format("{:.3f} ({:.2f}x)", ms, base_ms / ms);
}

}  // namespace hr::bench
