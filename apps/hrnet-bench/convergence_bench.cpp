#include "convergence_bench.h"

#include <fmt/format.h>

#include <chrono>
#include <filesystem>

#include "datasets/synthetic/synth.h"
#include "engine/engine.h"
#include "engine/io/file.h"
#include "hrnet/config/config.h"
#include "hrnet/evaluate/validation_hook.h"
#include "hrnet/train/svg_plot.h"
#include "hrnet/train/trainer.h"
#include "kernels/common/gemm.h"

namespace hr::bench {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct Point {
  int epoch = 0;
  double seconds = 0;  // wall time since training began, this epoch's validation included
  double ap = 0, ap50 = 0, ap75 = 0;
};

double value_of(const train::EvalResult& r, const std::string& name) {
  for (const auto& [k, v] : r.values)
    if (k == name) return v;
  return 0.0;
}


std::string markdown(const std::vector<Point>& pts) {
  std::string s = "| epoch | wall time | AP | AP .5 | AP .75 |\n| ---: | ---: | ---: | ---: | ---: |\n";
  for (const Point& p : pts)
    s += fmt::format("| {} | {:.0f} s ({}:{:02d}) | {:.3f} | {:.3f} | {:.3f} |\n", p.epoch, p.seconds,
                     int(p.seconds) / 60, int(p.seconds) % 60, p.ap, p.ap50, p.ap75);
  return s;
}

}  // namespace

int run_convergence_bench(const ConvergenceOptions& o) {
  if (o.threads > 0) set_num_threads(o.threads);
  const fs::path data(o.data);
  if (!fs::exists(data / data::synth::keypoints_json_path(true))) {
    data::synth::DatasetOptions d;
    d.num_images = o.images;
    d.seed = o.data_seed;
    d.render = data::synth::render_preset("demo");
    const auto s = data::synth::write_dataset(data.string(), d);
    fmt::print("=> rendered {} (demo preset): train {} images / {} people, val {} images / {} people\n",
               data.string(), s.train_images, s.train_people, s.val_images, s.val_people);
  } else {
    fmt::print("=> using the dataset in {}\n", data.string());
  }

  // DATASET.ROOT and OUTPUT_DIR come from the options; the caller's overrides go last.
  std::vector<std::string> overrides = {"DATASET.ROOT", (data / "").string(), "OUTPUT_DIR", o.out};
  overrides.insert(overrides.end(), o.overrides.begin(), o.overrides.end());
  cfg::Config cfg = cfg::load_config(o.cfg, overrides);
  cfg::join_data_dir(cfg);
  HR_CHECK(!cfg.auto_resume, "hrnet-bench convergence: AUTO_RESUME must be off (a resumed run measures nothing)");

  train::TrainOptions t;
  t.cfg = cfg;
  t.cfg_file = o.cfg;
  t.seed = o.seed;
  t.progress = train::ProgressMode::Lines;
  const fs::path run_dir = cfg::final_output_dir(cfg, o.cfg);
  // A previous run's files would be resumed or mixed in: start from an empty folder.
  fs::remove_all(run_dir);
  fmt::print("=> hrnet-bench convergence: {} on the CPU, {} threads (GEMM {}), outputs in {}\n", o.cfg,
             num_threads(), kern::gemm_backend(), run_dir.string());

  std::vector<Point> points;
  const auto start = Clock::now();
  const train::ValidationHook official = evaluate::full_validation(cfg, Device::CPU, run_dir);
  t.validate = [&](net::PoseHighResolutionNet& net, int epoch) {
    train::EvalResult r = official(net, epoch);
    HR_CHECK(r.metric_name == "AP", "hrnet-bench convergence: the config's test set has no COCO AP (got {})",
             r.metric_name);
    points.push_back({epoch, std::chrono::duration<double>(Clock::now() - start).count(), r.metric,
                      value_of(r, "Ap .5"), value_of(r, "AP .75")});
    return r;
  };
  train::train(t);
  const double total = std::chrono::duration<double>(Clock::now() - start).count();

  fmt::print("\n{:>6} {:>10} {:>8} {:>8} {:>8}\n", "epoch", "wall s", "AP", "AP .5", "AP .75");
  const Point* first = nullptr;
  const Point* best = nullptr;
  for (const Point& p : points) {
    fmt::print("{:>6} {:>10.1f} {:>8.4f} {:>8.4f} {:>8.4f}\n", p.epoch, p.seconds, p.ap, p.ap50, p.ap75);
    if (!first && p.ap >= o.target) first = &p;
    if (!best || p.ap > best->ap) best = &p;
  }
  std::string verdict;
  if (first)
    verdict = fmt::format("AP {:.2f} first reached at epoch {} after {:.0f} s: goal (within {:.0f} s) {}",
                          o.target, first->epoch, first->seconds, o.budget_s,
                          first->seconds <= o.budget_s ? "met" : "NOT met");
  else
    verdict = fmt::format("AP {:.2f} not reached (best AP {:.4f} at epoch {} after {:.0f} s): goal NOT met",
                          o.target, best ? best->ap : 0.0, best ? best->epoch : -1, best ? best->seconds : 0.0);
  fmt::print("=> {}; training took {:.0f} s in all\n", verdict, total);

  io::write_file_atomic((run_dir / "convergence.md").string(), markdown(points) + "\n" + verdict + "\n");
  train::PlotSeries ap{"AP", {}, {}}, ap50{"AP .5", {}, {}}, ap75{"AP .75", {}, {}};
  for (const Point& p : points) {
    for (auto* s : {&ap, &ap50, &ap75}) s->x.push_back(p.seconds / 60.0);
    ap.y.push_back(p.ap);
    ap50.y.push_back(p.ap50);
    ap75.y.push_back(p.ap75);
  }
  io::write_file_atomic((run_dir / "convergence.svg").string(),
                        train::line_plot_svg("COCO AP on held-out synthetic images against wall time", "minutes",
                                  {ap, ap50, ap75}));
  fmt::print("=> wrote {} and {}\n", (run_dir / "convergence.md").string(), (run_dir / "convergence.svg").string());
  return 0;
}

}  // namespace hr::bench
