#include "kernels_bench_cuda.h"

#include <fmt/core.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>

#include "engine/cuda/conv_registry.h"
#include "engine/cuda/timing.h"
#include "engine/error.h"
#include "engine/io/file.h"
#include "engine/registry/measure.h"
#include "gpu_peaks.h"
#include "kernels/common/math_mode.h"
#include "bn_bench_cuda.h"
#include "exchange_bench_cuda.h"
#include "kernels_list.h"
#include "kernels_table.h"

namespace hr::bench {
namespace {

using cuda::ConvPass;

ConvPass parse_pass(const std::string& s) {
  for (const ConvPass p : {ConvPass::Forward, ConvPass::DataGrad, ConvPass::WeightGrad})
    if (s == cuda::conv_pass_short(p)) return p;
  fail("--pass: unknown pass '{}'; valid: fwd, dgrad, wgrad", s);
}

// "cudnn" and native_<math> for every --math (conv_op refuses an unknown one).
std::vector<std::string> version_names(const KernelsOptions& o) {
  std::vector<std::string> names = {"cudnn"};
  for (const std::string& m : o.maths) names.push_back("native_" + m);
  return names;
}

// What the tables of one run share.
struct Context {
  const KernelsOptions& o;
  std::optional<GpuPeaks> peaks;
  nlohmann::json results = nlohmann::json::array();
  int failures = 0;
};

// One pass of one geometry: each selected shape is measured (registry::measure: natives are
// checked against cudnn on the shape's own operands, and only the correct ones are timed),
// printed as soon as it is done, and recorded for --json.
void run_pass(Context& c, const HrnetGeometry& g, const std::vector<ConvShape>& shapes, ConvPass pass) {
  const registry::OpInfo op = cuda::conv_op(pass, version_names(c.o));
  PassTable table(op, c.peaks, kern::cuda_tf32());
  fmt::print("### {} ({})\n\n{}", cuda::conv_pass_short(pass), op.name, table.header());
  const auto timer = [&](const std::function<void()>& run) { return cuda::time_ms(run, c.o.warmup, c.o.repeat); };
  for (size_t i = 0; i < shapes.size(); ++i) {
    const ConvShape& s = shapes[i];
    if (!label_selected(s.label, c.o.filter)) continue;
    const registry::Measurement m = registry::measure(op, cuda::make_conv_trial(s.desc, pass, op, timer));
    fmt::print("{}\n", table.row(i, s, m));
    std::fflush(stdout);
    c.results.push_back(kernels_record(g, cuda::conv_pass_short(pass), s, m));
  }
  fmt::print("{}\n\n", table.total_row());
  for (const std::string& f : table.failures()) fmt::print("FAIL: {}\n", f);
  if (!table.failures().empty()) fmt::print("\n");
  c.failures += int(table.failures().size());
}

// --json is rewritten (atomically) after every table, so a run cut off by a time limit keeps
// what it measured.
void flush_json(const Context& c) {
  if (c.o.json.empty()) return;
  const nlohmann::json doc = {{"device", cuda::device_name()}, {"tf32", kern::cuda_tf32()}, {"warmup", c.o.warmup},
                              {"repeat", c.o.repeat},           {"results", c.results}};
  io::write_file_atomic(c.o.json, doc.dump(1) + "\n");
}

void run_conv_tables(Context& c, const HrnetGeometry& g) {
  const std::vector<ConvShape> shapes = hrnet_conv_shapes(g);
  fmt::print("## {}: {} distinct conv shapes, {} convs\n\n", geometry_title(g), shapes.size(),
             total_conv_count(shapes));
  for (const std::string& p : c.o.passes) {
    run_pass(c, g, shapes, parse_pass(p));
    flush_json(c);
  }
}

// Everything measured for one geometry: the conv tables, the exchange-unit table, the BN table.
void run_geometry(Context& c, const HrnetGeometry& g) {
  run_conv_tables(c, g);
  if (!c.o.no_exchange) {
    c.failures += run_exchange_table(c.o, g, c.results);
    flush_json(c);
  }
  if (!c.o.no_bn) {
    c.failures += run_bn_table(c.o, g, c.results);
    flush_json(c);
  }
}

void print_preamble(const Context& c) {
  fmt::print("# hrnet-bench kernels: {}, TF32 {}, warmup {}, median of {} (CUDA events)\n\n",
             cuda::device_description(), kern::cuda_tf32() ? "on" : "off", c.o.warmup, c.o.repeat);
  if (c.peaks)
    fmt::print("Peaks ({}): fp32 {} TFLOP/s, tf32 {}, bf16 {} (dense), memory {} GB/s.\n", c.peaks->name,
               c.peaks->fp32_tflops, c.peaks->tf32_tflops, c.peaks->bf16_tflops, c.peaks->bandwidth_gbs);
  else
    fmt::print("Peaks: n/a (no figures for this GPU in apps/hrnet-bench/gpu_peaks.cpp).\n");
  fmt::print("'vs cudnn' is cudnn time / native time (above 1: ours is faster); bytes are inputs + output once, f32.\n\n");
}

}  // namespace

int run_kernels_bench_cuda(const KernelsOptions& o, const std::vector<HrnetGeometry>& geometries) {
  for (const std::string& p : o.passes) parse_pass(p);  // refuse bad options before any work
  cuda::conv_op(ConvPass::Forward, version_names(o));
  Context c{o, gpu_peaks(cuda::device_name())};
  print_preamble(c);
  for (const HrnetGeometry& g : geometries) run_geometry(c, g);
  if (!o.json.empty()) fmt::print("wrote {}\n", o.json);
  if (c.failures > 0) {
    fmt::print(stderr, "error: {} native version checks failed (FAIL above)\n", c.failures);
    return 1;
  }
  return 0;
}

}  // namespace hr::bench
