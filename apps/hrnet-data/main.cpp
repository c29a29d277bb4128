// hrnet-data: dataset tools.
//
//   hrnet-data synth --out DIR --images N --seed S [--val-fraction F] [--min-size PX]
//                    [--max-size PX] [--max-people K] [--threads T]
//
// `synth` renders synthetic people with the 17 COCO keypoints and writes a dataset in the COCO
// layout (images/{train,val}2017/*.png, annotations/person_keypoints_{train,val}2017.json,
// person_detection_results/COCO_val2017_detections_AP_H_56_person.json). The same seed gives
// byte-identical files whatever the thread count. Each subcommand is one function below, so
// `inspect` and `bench` slot in beside it.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <chrono>

#include "apps/common/app.h"
#include "datasets/synthetic/synth.h"
#include "engine/threads.h"

namespace {

struct SynthOptions {
  std::string out;
  int64_t images = 1000;
  uint64_t seed = 0;
  double val_fraction = 0.1;
  int min_size = 256, max_size = 480, max_people = 4;
  int threads = 0;
};

void add_synth(CLI::App& app, SynthOptions& o) {
  CLI::App* sub = app.add_subcommand("synth", "render a synthetic-people dataset in the COCO layout");
  sub->add_option("--out", o.out, "output directory (must not exist, or be empty)")->required();
  sub->add_option("--images", o.images, "number of images")->check(CLI::Range(int64_t(1), int64_t(100000000)));
  sub->add_option("--seed", o.seed, "random seed");
  sub->add_option("--val-fraction", o.val_fraction, "fraction of images in val2017")
      ->check(CLI::Range(0.0, 1.0));
  sub->add_option("--min-size", o.min_size, "smallest image width in pixels")->check(CLI::Range(64, 8192));
  sub->add_option("--max-size", o.max_size, "largest image width in pixels")->check(CLI::Range(64, 8192));
  sub->add_option("--max-people", o.max_people, "most people per image")->check(CLI::Range(1, 16));
  sub->add_option("--threads", o.threads, "worker threads (0: all cores)");
}

int run_synth(const SynthOptions& o) {
  if (o.threads > 0) hr::set_num_threads(o.threads);
  hr::data::synth::DatasetOptions d;
  d.num_images = o.images;
  d.seed = o.seed;
  d.val_fraction = o.val_fraction;
  d.render.min_size = o.min_size;
  d.render.max_size = o.max_size;
  d.render.max_people = o.max_people;
  const auto t0 = std::chrono::steady_clock::now();
  const auto s = hr::data::synth::write_dataset(o.out, d);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  fmt::print("wrote {}: train {} images / {} people, val {} images / {} people, {} detections "
             "({:.2f} s)\n",
             o.out, s.train_images, s.train_people, s.val_images, s.val_people, s.detections, secs);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return hr::app::guarded_main("hrnet-data", [&]() -> int {
    CLI::App app{"hrnet-data: dataset tools (synthetic people in the COCO layout)"};
    app.require_subcommand(1);
    SynthOptions synth;
    add_synth(app, synth);
    try {
      app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
      return app.exit(e);
    }
    if (app.got_subcommand("synth")) return run_synth(synth);
    return 1;
  });
}
