#include "apps/hrnet-eval/eval_cmd.h"

#include <fmt/format.h>

#include <filesystem>

#include "apps/common/app.h"
#include "apps/common/config_overrides.h"
#include "engine/error.h"
#include "engine/threads.h"
#include "hrnet/config/config.h"
#include "hrnet/evaluate/pipeline.h"
#include "hrnet/from_config.h"
#include "hrnet/load_weights.h"

namespace hr::app::eval {

void add_eval(CLI::App& app, EvalOptions& o) {
  app.add_option("--cfg", o.cfg, "experiment YAML (official schema); TEST.MODEL_FILE names the weights");
  app.add_option("--device", o.device, "cpu or cuda");
  app.add_option("--out", o.out, "output folder (default OUTPUT_DIR/<dataset>/<model>/<cfg name>)");
  app.add_flag("--dark", o.dark, "DARK refinement (mmpose's 'unbiased' decoding) instead of TEST.POST_PROCESS");
  app.add_option("--dark-kernel", o.dark_kernel, "DARK blur kernel (11 for SIGMA 2, 17 for SIGMA 3)")
      ->check(CLI::Range(1, 63));
  app.add_option("--max-samples", o.max_samples, "evaluate only the first N boxes (a quick check)");
  app.add_option("--threads", o.threads, "CPU threads (0: all cores)");
  hr::app::accept_config_overrides(app);  // read in main.cpp after parsing
}

int run_eval(const EvalOptions& o) {
  HR_CHECK(!o.cfg.empty(), "hrnet-eval: --cfg FILE is required (or use `hrnet-eval score`)");
  cfg::Config cfg = cfg::load_config(o.cfg, o.overrides);
  cfg::join_data_dir(cfg);  // the tail of the official update_config, as hrnet-train
  const Device device = parse_device(o.device);
  if (o.threads > 0) set_num_threads(o.threads);
  HR_CHECK(!cfg.test.model_file.empty(),
           "{}: TEST.MODEL_FILE is empty: name the weights (.pth or .safetensors), e.g. "
           "`hrnet-eval --cfg {} TEST.MODEL_FILE model_best.safetensors`",
           o.cfg, o.cfg);
  auto net = net::build_network(cfg);
  const auto report = net::load_weights_into(*net, cfg.test.model_file);
  fmt::print(stderr, "weights {}: {}\n", cfg.test.model_file, report.summary());
  net->to(device);

  evaluate::EvalOptions eo;
  eo.device = device;
  eo.output_dir = o.out.empty() ? cfg::final_output_dir(cfg, o.cfg) : std::filesystem::path(o.out);
  eo.dark = o.dark;
  eo.dark_kernel = o.dark_kernel;
  eo.max_samples = o.max_samples;
  fmt::print(stderr, "evaluating {} on {} {} ({} boxes, flip test {}, {} decoding)\n", o.cfg,
             cfg.dataset.dataset, cfg.dataset.test_set,
             cfg.dataset.dataset == "coco" ? (cfg.test.use_gt_bbox ? "GT" : "detector") : "GT",
             cfg.test.flip_test ? "on" : "off",
             o.dark ? "DARK" : (cfg.test.post_process ? "quarter-offset" : "argmax"));
  const auto s = evaluate::evaluate_model(cfg, *net, eo);
  fmt::print("{}", s.table);
  fmt::print("{} samples in {:.1f} s ({:.1f} samples/s); results: {}\n", s.samples, s.seconds,
             s.samples / std::max(1e-9, s.seconds), s.results_file.string());
  return 0;
}

}  // namespace hr::app::eval
