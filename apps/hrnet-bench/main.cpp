// hrnet-bench: benchmarks of the HRNet engine, one subcommand per benchmark.
// Each subcommand registers its options and its action through a `register_*` function,
// so a new benchmark (summary, model, kernels, ...) is one more function and one more line
// in main().
#include <CLI/CLI.hpp>

#include "apps/common/app.h"
#include "apps/common/config_overrides.h"
#include "convergence_bench.h"
#include "kernels_bench.h"
#include "model_bench.h"
#include "ops_bench.h"

namespace {

// The network geometry options shared by every benchmark that builds HRNet shapes.
void add_geometry_options(CLI::App& cmd, hr::bench::HrnetGeometry& g) {
  cmd.add_option("--width", g.width, "HRNet width W (branch channels W, 2W, 4W, 8W): 32 or 48")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd.add_option("--image-height", g.image_h, "network input height in pixels (multiple of 32)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd.add_option("--image-width", g.image_w, "network input width in pixels (multiple of 32)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd.add_option("--batch", g.batch, "batch size")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd.add_option("--joints", g.joints, "keypoints (output channels of the final layer)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
}

// --warmup and --repeat of the benchmarks that time each measurement by its median.
void add_timing_options(CLI::App& cmd, int& warmup, int& repeat) {
  cmd.add_option("--warmup", warmup, "untimed runs before each measurement")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd.add_option("--repeat", repeat, "timed runs per measurement (the median is reported)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
}

void register_ops(CLI::App& app, int& exit_code) {
  static hr::bench::OpsOptions o;
  CLI::App* cmd = app.add_subcommand(
      "ops", "time every distinct conv shape of HRNet: against a plain GEMM of the same size (cpu), or cuDNN "
             "and cuBLAS (cuda)");
  cmd->add_option("--device", o.device, "backend to time")
      ->capture_default_str()
      ->check(CLI::IsMember({"cpu", "cuda"}));
  add_geometry_options(*cmd, o.geometry);
  cmd->add_option("--threads", o.threads, "CPU threads (0: HRNET_NUM_THREADS or all cores)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  add_timing_options(*cmd, o.warmup, o.repeat);
  cmd->add_option("--check-batch", o.check_batch,
                  "batch of the correctness check run before timing")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--backward", o.backward, "also check and time backward data and backward weight");
  cmd->add_option("--filter", o.filter, "only shapes whose label contains this text");
  cmd->callback([&exit_code] { exit_code = hr::bench::run_ops_bench(o); });
}

void register_kernels(CLI::App& app, int& exit_code) {
  static hr::bench::KernelsOptions o;
  CLI::App* cmd = app.add_subcommand(
      "kernels", "our native convs against cuDNN/cuBLAS on every HRNet conv shape, and the fused exchange unit "
                 "against the unfused sequence: checked, then timed (markdown tables); --list prints the shapes "
                 "without a GPU");
  cmd->add_option("--width", o.width, "HRNet width, 32 or 48 (default: both)")->check(CLI::PositiveNumber);
  cmd->add_option("--image-height", o.image_h, "input height (with --image-width; default: 256x192 and 384x288)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--image-width", o.image_w, "input width (with --image-height)")->check(CLI::PositiveNumber);
  cmd->add_option("--batch", o.batch, "batch size")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--filter", o.filter, "only shapes whose label contains this text");
  cmd->add_option("--pass", o.passes, "comma-separated passes")
      ->delimiter(',')
      ->capture_default_str()
      ->check(CLI::IsMember({"fwd", "dgrad", "wgrad"}));
  cmd->add_option("--math", o.maths,
                  "comma-separated native versions to compare (native_f32, native_bf16, native_bf16p: bf16 with the "
                  "next K slice prefetched)")
      ->delimiter(',')
      ->capture_default_str()
      ->check(CLI::IsMember({"f32", "bf16", "bf16p"}));
  add_timing_options(*cmd, o.warmup, o.repeat);
  cmd->add_option("--json", o.json, "also write every measurement as JSON");
  cmd->add_flag("--list", o.list, "print the shape tables (label, count, ConvDesc, MACs, bytes) and run nothing");
  cmd->add_flag("--no-exchange", o.no_exchange,
                "skip the fused-versus-unfused exchange-unit table (printed after the conv tables)");
  cmd->add_flag("--no-bn", o.no_bn, "skip the batch-norm table (ours against cuDNN's)");
  cmd->callback([&exit_code] {
    exit_code = hr::app::guarded_main("hrnet-bench kernels", [] { return hr::bench::run_kernels_bench(o); });
  });
}

// Splits "1,8,32" into batch sizes.
std::vector<int> parse_batches(const std::string& s) {
  std::vector<int> out;
  size_t pos = 0;
  while (pos <= s.size()) {
    const size_t comma = s.find(',', pos);
    out.push_back(std::stoi(s.substr(pos, comma - pos)));
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return out;
}

void register_model(CLI::App& app, int& exit_code) {
  static hr::bench::ModelOptions o;
  static std::string batches = "1,8";
  CLI::App* cmd = app.add_subcommand(
      "model", "time the whole network: eval forward and training step (fwd, loss, bwd, Adam) per image");
  cmd->add_option("--cfg", o.cfg, "experiment YAML (official schema)")->required()->check(CLI::ExistingFile);
  cmd->add_option("--device", o.device, "cpu or cuda")->capture_default_str()->check(CLI::IsMember({"cpu", "cuda"}));
  cmd->add_option("--batch", batches, "comma-separated batch sizes")->capture_default_str();
  cmd->add_option("--threads", o.threads, "CPU threads (0: HRNET_NUM_THREADS or all cores)");
  cmd->add_option("--warmup", o.warmup, "untimed runs")->capture_default_str();
  cmd->add_option("--repeat", o.repeat, "timed runs (median reported)")->capture_default_str();
  cmd->add_flag("--no-train", o.no_train, "time only the eval forward");
  cmd->add_flag("--no-eval", o.no_eval, "time only the training step");
  cmd->add_flag("--no-bn-fold", o.no_bn_fold, "eval without folding BN into the convs (for comparison)");
  cmd->add_flag("--no-bn-recompute", o.no_bn_recompute,
                "training keeps the BN + ReLU outputs that feed one conv instead of recomputing them (for comparison)");
  cmd->add_option("--json", o.json, "also write the results as JSON");
  hr::app::accept_config_overrides(*cmd);
  cmd->callback([cmd, &exit_code] {
    o.overrides = hr::app::config_overrides(*cmd);
    exit_code = hr::app::guarded_main("hrnet-bench model", [] {
      o.batches = parse_batches(batches);
      return hr::bench::run_model_bench(o);
    });
  });
}

void register_summary(CLI::App& app, int& exit_code) {
  static std::string cfg;
  static std::vector<std::string> overrides;
  CLI::App* cmd = app.add_subcommand("summary", "params and multiply-adds per stage of a config's network");
  cmd->add_option("--cfg", cfg, "experiment YAML (official schema)")->required()->check(CLI::ExistingFile);
  hr::app::accept_config_overrides(*cmd);
  cmd->callback([cmd, &exit_code] {
    overrides = hr::app::config_overrides(*cmd);
    exit_code = hr::app::guarded_main("hrnet-bench summary", [] { return hr::bench::run_summary(cfg, overrides); });
  });
}

void register_convergence(CLI::App& app, int& exit_code) {
  static hr::bench::ConvergenceOptions o;
  CLI::App* cmd = app.add_subcommand(
      "convergence", "train on synthetic people on the CPU and report COCO AP on held-out images against wall time");
  cmd->add_option("--cfg", o.cfg, "experiment YAML (official schema)")->required()->check(CLI::ExistingFile);
  cmd->add_option("--data", o.data, "synthetic dataset folder (rendered with the demo preset when empty)")
      ->capture_default_str();
  cmd->add_option("--images", o.images, "images to render when the folder is empty (10% held out)")
      ->capture_default_str()
      ->check(CLI::Range(int64_t(10), int64_t(1000000)));
  cmd->add_option("--data-seed", o.data_seed, "seed of the rendered dataset")->capture_default_str();
  cmd->add_option("--out", o.out, "OUTPUT_DIR of the training run")->capture_default_str();
  cmd->add_option("--seed", o.seed, "training seed")->capture_default_str();
  cmd->add_option("--threads", o.threads, "CPU threads (0: all cores)")->capture_default_str();
  cmd->add_option("--target", o.target, "AP to reach")->capture_default_str()->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--budget-s", o.budget_s, "wall-time goal in seconds")->capture_default_str();
  hr::app::accept_config_overrides(*cmd);
  cmd->callback([cmd, &exit_code] {
    o.overrides = hr::app::config_overrides(*cmd);
    exit_code = hr::app::guarded_main("hrnet-bench convergence", [] { return hr::bench::run_convergence_bench(o); });
  });
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"hrnet-bench: benchmarks of the HRNet engine"};
  app.require_subcommand(1);
  int exit_code = 0;
  register_ops(app, exit_code);
  register_model(app, exit_code);
  register_summary(app, exit_code);
  register_convergence(app, exit_code);
  register_kernels(app, exit_code);
  CLI11_PARSE(app, argc, argv);
  return exit_code;
}
