// hrnet-train: train HRNet with the official recipe (tools/train.py).
//
//   hrnet-train --cfg FILE [--device cpu|cuda] [--seed N] [--threads N] [--validate ap|loss]
//               [KEY VALUE ...]
//
// Writes OUTPUT_DIR/<dataset>/<MODEL.NAME>/<cfg name>/: checkpoint.safetensors,
// model_best.safetensors, final_state.safetensors, log.jsonl, loss.svg, accuracy.svg and
// <metric>.svg. AUTO_RESUME True continues from the checkpoint. Ctrl-C finishes the step,
// saves a checkpoint and exits with status 130; a NaN/Inf loss or gradient exits with 1.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "apps/common/app.h"
#include "apps/common/config_overrides.h"
#include "engine/threads.h"
#include "hrnet/config/config.h"
#include "hrnet/evaluate/validation_hook.h"
#include "hrnet/train/stop_signal.h"
#include "hrnet/train/trainer.h"

namespace {

struct Options {
  std::string cfg, device = "cpu", progress = "auto", validate = "ap";
  uint64_t seed = 0;
  int threads = 0;
  std::vector<std::string> overrides;
};

int run(const Options& o) {
  hr::cfg::Config cfg = hr::cfg::load_config(o.cfg, o.overrides);
  hr::cfg::join_data_dir(cfg);  // the tail of the official update_config
  if (o.threads > 0) hr::set_num_threads(o.threads);

  hr::train::TrainOptions t;
  t.cfg = cfg;
  t.cfg_file = o.cfg;
  t.device = hr::app::parse_device(o.device);
  t.seed = o.seed;
  t.stop = &hr::train::install_stop_signal_handlers();
  // The official validate(): the full evaluation pipeline (COCO AP / MPII PCKh) every epoch,
  // model_best by it; where no metric exists the hook itself falls back to loss/accuracy.
  if (o.validate == "ap")
    t.validate = hr::evaluate::full_validation(cfg, t.device, hr::cfg::final_output_dir(cfg, o.cfg));
  t.progress = o.progress == "tty"     ? hr::train::ProgressMode::Tty
               : o.progress == "lines" ? hr::train::ProgressMode::Lines
                                       : hr::train::ProgressMode::Auto;
  const hr::train::TrainResult r = hr::train::train(t);
  if (r.interrupted) return 130;  // the shell's convention for a run ended by SIGINT
  if (r.has_best)
    fmt::print(stderr, "=> done: best {} {:.4f}; outputs in {}\n", r.metric_name, r.best_metric,
               r.output_dir.string());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"hrnet-train: train HRNet with the official recipe"};
  Options o;
  app.add_option("--cfg", o.cfg, "experiment YAML (official schema)")->required()->check(CLI::ExistingFile);
  app.add_option("--device", o.device, "cpu or cuda")->capture_default_str();
  app.add_option("--seed", o.seed, "seed of the data order, augmentation and initialisation (not in the "
                                   "official schema; a resumed run keeps its checkpoint's)")
      ->capture_default_str();
  app.add_option("--threads", o.threads, "CPU threads (0: all cores)");
  app.add_option("--validate", o.validate,
                 "ap: the official evaluation (COCO AP / MPII PCKh) after every epoch; loss: "
                 "validation loss and heatmap accuracy only (faster)")
      ->check(CLI::IsMember({"ap", "loss"}))
      ->capture_default_str();
  app.add_option("--progress", o.progress, "auto (a bar on a terminal), tty or lines")
      ->check(CLI::IsMember({"auto", "tty", "lines"}))
      ->capture_default_str();
  hr::app::accept_config_overrides(app, "TRAIN.END_EPOCH 10");
  CLI11_PARSE(app, argc, argv);
  o.overrides = hr::app::config_overrides(app);
  return hr::app::guarded_main("hrnet-train", [&] { return run(o); });
}
