// hrnet-data: dataset tools.
//
//   hrnet-data synth --out DIR --images N --seed S [--preset standard|demo] [--val-fraction F]
//                    [--min-size PX] [--max-size PX] [--max-people K] [--min-clutter K]
//                    [--max-clutter K] [--occluder-prob P] [--back-view-prob P] [--threads T]
//
// `synth` renders synthetic people with the 17 COCO keypoints and writes a dataset in the COCO
// layout (images/{train,val}2017/*.png, annotations/person_keypoints_{train,val}2017.json,
// person_detection_results/COCO_val2017_detections_AP_H_56_person.json). The same seed gives
// byte-identical files whatever the thread count.
//
//   hrnet-data inspect --cfg FILE --set train|val [--n 16] --out DIR [--augment] [--seed S]
//                      [--epoch E] [KEY VALUE...]
//
// `inspect` runs the first batch of the data loader (training augmentation for the train set,
// or with --augment) and writes, per sample, DIR/NNN_<image id>.png: the de-normalised input
// crop with the maximum over joints of the target heatmap blended on top and the visible
// target keypoints marked (left joints blue, right joints red, others green).
//
//   hrnet-data bench --cfg FILE [--set train|val] [--seconds T] [--workers W] [KEY VALUE...]
//
// `bench` measures read + decode + training augmentation + crop + targets on one core as the
// loader does them (JPEGs decoded only where the crop reads), the same with whole-image decoding
// for reference (with the decode share), then the threaded loader with W workers (training:
// shuffled and augmented; evaluation: dataset order, no augmentation).
// DATASET.ROOT resolves relative to the current directory.
#include <CLI/CLI.hpp>

#include <optional>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <thread>

#include "apps/common/app.h"
#include "apps/common/config_overrides.h"
#include "hrnet/train/data_config.h"
#include "datasets/image/affine.h"
#include "datasets/image/image.h"
#include "datasets/synthetic/synth.h"
#include "engine/threads.h"

namespace {

struct SynthOptions {
  std::string out;
  int64_t images = 1000;
  uint64_t seed = 0;
  double val_fraction = 0.1;
  std::string preset = "standard";
  // Unset: the preset's value.
  std::optional<int> min_size, max_size, max_people, min_clutter, max_clutter;
  std::optional<double> occluder_prob, back_view_prob;
  int threads = 0;
};

void add_synth(CLI::App& app, SynthOptions& o) {
  CLI::App* sub = app.add_subcommand("synth", "render a synthetic-people dataset in the COCO layout");
  sub->add_option("--out", o.out, "output directory (must not exist, or be empty)")->required();
  sub->add_option("--images", o.images, "number of images")->check(CLI::Range(int64_t(1), int64_t(100000000)));
  sub->add_option("--seed", o.seed, "random seed");
  sub->add_option("--val-fraction", o.val_fraction, "fraction of images in val2017")
      ->check(CLI::Range(0.0, 1.0));
  sub->add_option("--preset", o.preset,
                  "standard (1-4 people, occluders, back views) or demo (the main job's easier set: one "
                  "person, no occluders or back views, few distractors); the options below override it")
      ->check(CLI::IsMember({"standard", "demo"}))
      ->capture_default_str();
  sub->add_option("--min-size", o.min_size, "smallest image width in pixels")->check(CLI::Range(64, 8192));
  sub->add_option("--max-size", o.max_size, "largest image width in pixels")->check(CLI::Range(64, 8192));
  sub->add_option("--max-people", o.max_people, "most people per image")->check(CLI::Range(1, 16));
  sub->add_option("--min-clutter", o.min_clutter, "fewest background distractors per image")
      ->check(CLI::Range(0, 1000));
  sub->add_option("--max-clutter", o.max_clutter, "most background distractors per image")
      ->check(CLI::Range(0, 1000));
  sub->add_option("--occluder-prob", o.occluder_prob, "chance of foreground occluders in an image")
      ->check(CLI::Range(0.0, 1.0));
  sub->add_option("--back-view-prob", o.back_view_prob, "chance that a figure faces away")
      ->check(CLI::Range(0.0, 1.0));
  sub->add_option("--threads", o.threads, "worker threads (0: all cores)");
}

int run_synth(const SynthOptions& o) {
  if (o.threads > 0) hr::set_num_threads(o.threads);
  hr::data::synth::DatasetOptions d;
  d.num_images = o.images;
  d.seed = o.seed;
  d.val_fraction = o.val_fraction;
  d.render = hr::data::synth::render_preset(o.preset);
  auto set = [](auto& field, const auto& value) {
    if (value) field = *value;
  };
  set(d.render.min_size, o.min_size);
  set(d.render.max_size, o.max_size);
  set(d.render.max_people, o.max_people);
  set(d.render.min_clutter, o.min_clutter);
  set(d.render.max_clutter, o.max_clutter);
  set(d.render.occluder_prob, o.occluder_prob);
  set(d.render.back_view_prob, o.back_view_prob);
  const auto t0 = std::chrono::steady_clock::now();
  const auto s = hr::data::synth::write_dataset(o.out, d);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  fmt::print("wrote {}: train {} images / {} people, val {} images / {} people, {} detections "
             "({:.2f} s)\n",
             o.out, s.train_images, s.train_people, s.val_images, s.val_people, s.detections, secs);
  return 0;
}

struct InspectOptions {
  std::string cfg, set = "train", out;
  int n = 16;
  bool augment = false;
  uint64_t seed = 0;
  int64_t epoch = 0;
  std::vector<std::string> overrides;
};

void add_inspect(CLI::App& app, InspectOptions& o) {
  CLI::App* sub = app.add_subcommand("inspect", "write PNGs of loader samples with their targets");
  sub->add_option("--cfg", o.cfg, "experiment YAML")->required();
  sub->add_option("--set", o.set, "train (DATASET.TRAIN_SET) or val (DATASET.TEST_SET)")
      ->check(CLI::IsMember({"train", "val"}));
  sub->add_option("--n", o.n, "number of samples")->check(CLI::Range(1, 100000));
  sub->add_option("--out", o.out, "output directory (created)")->required();
  sub->add_flag("--augment", o.augment, "training augmentation on the val set too");
  sub->add_option("--seed", o.seed, "loader seed");
  sub->add_option("--epoch", o.epoch, "epoch (shuffle order and augmentation)");
  hr::app::accept_config_overrides(*sub);
}

uint8_t to_u8(double v) { return static_cast<uint8_t>(std::clamp(std::lround(v), 0L, 255L)); }

// One sample as an RGB picture: the de-normalised crop, the heatmap maximum blended on top,
// and the keypoints.
hr::data::Image render_sample(const hr::data::SampleOptions& so, const float* input,
                              const float* target, const float* weight,
                              const hr::data::SampleMeta& meta) {
  const int W = so.image_size[0], H = so.image_size[1];
  const int Wh = so.heatmap_size[0], Hh = so.heatmap_size[1], J = so.num_joints();
  hr::data::Image img(W, H, 3);
  const auto& mean = hr::data::kImageNetMean;
  const auto& sd = hr::data::kImageNetStd;
  for (int y = 0; y < H; ++y) {
    const int yh = std::min(Hh - 1, y * Hh / H);
    for (int x = 0; x < W; ++x) {
      const int xh = std::min(Wh - 1, x * Wh / W);
      const float* hm = target + (static_cast<size_t>(yh) * Wh + xh) * J;
      const float heat = *std::max_element(hm, hm + J);
      const float* px = input + (static_cast<size_t>(y) * W + x) * 3;
      double rgb[3];
      for (int c = 0; c < 3; ++c) rgb[c] = (px[c] * sd[c] + mean[c]) * 255.0;
      if (!so.color_rgb) std::swap(rgb[0], rgb[2]);  // the network saw BGR
      const double a = 0.65 * std::clamp(heat, 0.0f, 1.0f);
      const double overlay[3] = {255, 230 * heat, 0};  // red -> yellow at the peak
      for (int c = 0; c < 3; ++c) img.at(x, y, c) = to_u8((1 - a) * rgb[c] + a * overlay[c]);
    }
  }
  std::vector<int> side(static_cast<size_t>(J), 0);  // 0 centre, 1 left, 2 right
  for (const auto& [l, r] : so.joint_set.flip_pairs) {
    // COCO pairs are (left, right); MPII pairs (right, left).
    const bool coco = J == 17;
    side[l] = coco ? 1 : 2;
    side[r] = coco ? 2 : 1;
  }
  const uint8_t colours[3][3] = {{0, 255, 0}, {40, 120, 255}, {255, 40, 40}};
  for (int j = 0; j < J; ++j) {
    if (weight[j] <= 0 || meta.joints_vis[j][0] <= 0) continue;
    const int cx = static_cast<int>(std::lround(meta.joints[j][0]));
    const int cy = static_cast<int>(std::lround(meta.joints[j][1]));
    for (int dy = -1; dy <= 1; ++dy)
      for (int dx = -1; dx <= 1; ++dx) {
        const int x = cx + dx, y = cy + dy;
        if (x < 0 || y < 0 || x >= W || y >= H) continue;
        for (int c = 0; c < 3; ++c) img.at(x, y, c) = colours[side[j]][c];
      }
  }
  return img;
}

int run_inspect(const InspectOptions& o) {
  const hr::cfg::Config cfg = hr::cfg::load_config(o.cfg, o.overrides);
  const bool train_set = o.set == "train";
  auto so = hr::train::sample_options(cfg, train_set || o.augment);
  auto lo = hr::train::loader_options(cfg, train_set);
  lo.batch_size = o.n;
  lo.seed = o.seed;
  lo.num_workers = std::min(lo.num_workers > 0 ? lo.num_workers : 4, o.n);
  auto records = hr::train::load_records(cfg, train_set);
  HR_CHECK(!records.empty(), "{}: the {} set has no records", o.cfg, o.set);
  hr::data::DataLoader loader(std::move(records), so, lo);
  loader.start_epoch(o.epoch);
  const auto batch = loader.next();
  HR_CHECK(batch.has_value(), "the loader gave no batch");
  std::filesystem::create_directories(o.out);
  const float* in = batch->input.data<float>();
  const float* tg = batch->target.data<float>();
  const float* tw = batch->target_weight.data<float>();
  for (int64_t k = 0; k < batch->size(); ++k) {
    const auto& m = batch->meta[k];
    const auto img = render_sample(so, in + k * so.input_floats(), tg + k * so.target_floats(),
                                   tw + k * so.num_joints(), m);
    const std::string path =
        (std::filesystem::path(o.out) / fmt::format("{:03d}_{}.png", k, m.image_id)).string();
    hr::data::write_png(path, img);
    fmt::print("{}  index {}  centre ({:.1f}, {:.1f})  scale ({:.3f}, {:.3f})  rot {:.1f}{}\n",
               path, m.index, m.center[0], m.center[1], m.scale[0], m.scale[1], m.rotation,
               m.flipped ? "  flipped" : "");
  }
  return 0;
}

struct BenchOptions {
  std::string cfg, set = "train";
  double seconds = 3.0;
  int workers = 0;
  std::vector<std::string> overrides;
};

void add_bench(CLI::App& app, BenchOptions& o) {
  CLI::App* sub = app.add_subcommand("bench", "images/s of decode + augmentation + targets");
  sub->add_option("--cfg", o.cfg, "experiment YAML")->required();
  sub->add_option("--set", o.set, "train (DATASET.TRAIN_SET) or val (DATASET.TEST_SET)")
      ->check(CLI::IsMember({"train", "val"}));
  sub->add_option("--seconds", o.seconds, "minimum time per measurement")
      ->check(CLI::Range(0.0, 3600.0));
  sub->add_option("--workers", o.workers, "loader workers (0: all cores)")
      ->check(CLI::Range(0, 1024));
  hr::app::accept_config_overrides(*sub);
}

int run_bench(const BenchOptions& o) {
  using clock = std::chrono::steady_clock;
  const hr::cfg::Config cfg = hr::cfg::load_config(o.cfg, o.overrides);
  const bool train_set = o.set == "train";
  const auto so = hr::train::sample_options(cfg, /*train=*/true);
  // Training augmentation is measured on GT boxes (the official never trains on detections).
  auto records = hr::train::load_records(cfg, train_set, /*detections=*/false);
  HR_CHECK(!records.empty(), "{}: the {} set has no records", o.cfg, o.set);
  fmt::print("{} records of {} ({}), input {}x{}, heatmaps {}x{}, {} joints\n", records.size(),
             cfg.dataset.dataset, train_set ? cfg.dataset.train_set : cfg.dataset.test_set,
             so.image_size[0], so.image_size[1], so.heatmap_size[0], so.heatmap_size[1],
             so.num_joints());

  // One core, the loader's own path: read the file, plan the augmentation, decode what the
  // crop reads (only that region of a JPEG), crop + normalise, targets.
  std::vector<float> input(so.input_floats()), target(so.target_floats()),
      weight(static_cast<size_t>(so.num_joints()));
  const hr::data::SampleBuffers buf{input.data(), target.data(), weight.data()};
  auto one_core = [&](auto&& sample_fn) {
    int64_t n = 0;
    const auto start = clock::now();
    double secs = 0;
    while (n < static_cast<int64_t>(records.size()) || secs < o.seconds) {
      const auto& rec = records[static_cast<size_t>(n) % records.size()];
      hr::Rng rng(hr::data::sample_seed(0, 0, n));
      sample_fn(rec, rng);
      ++n;
      secs = std::chrono::duration<double>(clock::now() - start).count();
    }
    return std::pair<int64_t, double>{n, secs};
  };
  const auto [n, secs_one] = one_core([&](const hr::data::PoseRecord& rec, hr::Rng& rng) {
    hr::data::make_sample(rec, so, &rng, buf);
  });
  fmt::print("one core: {} samples, {:.1f} images/s per core ({:.3f} ms each)\n", n, n / secs_one,
             1e3 * secs_one / n);
  // For reference: decoding each whole image first (what the official cv2.imread does).
  double t_decode = 0;
  const auto [nw, secs_w] = one_core([&](const hr::data::PoseRecord& rec, hr::Rng& rng) {
    const auto t0 = clock::now();
    hr::data::Image img = hr::data::decode_image(rec.image);
    t_decode += std::chrono::duration<double>(clock::now() - t0).count();
    hr::data::make_sample(rec, std::move(img), so, &rng, buf);
  });
  fmt::print(
      "one core, whole-image decode: {:.1f} images/s per core ({:.3f} ms each: decode {:.3f} ms, "
      "augment + crop + targets {:.3f} ms)\n",
      nw / secs_w, 1e3 * secs_w / nw, 1e3 * t_decode / nw, 1e3 * (secs_w - t_decode) / nw);

  // The threaded loader.
  auto lo = hr::train::loader_options(cfg, true);
  lo.num_workers = o.workers > 0
                       ? o.workers
                       : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  lo.shuffle = true;
  hr::data::DataLoader loader(std::move(records), so, lo);
  int64_t samples = 0;
  int64_t epoch = 0;
  const auto l0 = clock::now();
  double secs = 0;
  while (secs < o.seconds || samples == 0) {
    loader.start_epoch(epoch++);
    while (auto b = loader.next()) samples += b->size();
    secs = std::chrono::duration<double>(clock::now() - l0).count();
  }
  fmt::print(
      "loader (training, shuffled): {} workers, batch {}, {} samples in {:.2f} s: {:.1f} "
      "images/s ({:.1f} per worker)\n",
      loader.num_workers(), lo.batch_size, samples, secs, samples / secs,
      samples / secs / loader.num_workers());

  // Evaluation order (no shuffle, no augmentation): consecutive records of one image share a
  // worker's decode.
  auto eo = lo;
  eo.shuffle = false;
  auto eso = so;
  eso.train = false;
  auto eval_records = hr::train::load_records(cfg, train_set);
  const size_t num_eval = eval_records.size();
  hr::data::DataLoader eval(std::move(eval_records), eso, eo);
  samples = 0;
  secs = 0;
  const auto e0 = clock::now();
  while (secs < o.seconds || samples == 0) {
    eval.start_epoch(0);
    while (auto b = eval.next()) samples += b->size();
    secs = std::chrono::duration<double>(clock::now() - e0).count();
  }
  fmt::print(
      "loader (evaluation order, {} records): {} workers, {} samples in {:.2f} s: {:.1f} "
      "images/s ({:.1f} per worker)\n",
      num_eval, eval.num_workers(), samples, secs, samples / secs,
      samples / secs / eval.num_workers());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return hr::app::guarded_main("hrnet-data", [&]() -> int {
    CLI::App app{"hrnet-data: dataset tools (synthetic people, loader inspection and benchmark)"};
    app.require_subcommand(1);
    SynthOptions synth;
    add_synth(app, synth);
    InspectOptions inspect;
    add_inspect(app, inspect);
    BenchOptions bench;
    add_bench(app, bench);
    try {
      app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
      return app.exit(e);
    }
    if (app.got_subcommand("synth")) return run_synth(synth);
    if (app.got_subcommand("inspect")) {
      inspect.overrides = hr::app::config_overrides(*app.get_subcommand("inspect"));
      return run_inspect(inspect);
    }
    if (app.got_subcommand("bench")) {
      bench.overrides = hr::app::config_overrides(*app.get_subcommand("bench"));
      return run_bench(bench);
    }
    return 1;
  });
}
