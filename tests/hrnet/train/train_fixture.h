// Shared by the [train] tests: a small synthetic COCO-layout dataset written once per test
// process into a temporary directory (removed at exit), a tiny HRNet config over it that
// trains in well under a second per step on 2 cores, and temporary output folders.
#pragma once
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <string>
#include <vector>

#include "datasets/synthetic/synth.h"
#include "hrnet/config/config.h"

namespace hr::test {

struct TrainDataFixture {
  std::filesystem::path dir;
  TrainDataFixture() {
    dir = std::filesystem::temp_directory_path() / ("hrnet_train_data_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    hr::data::synth::DatasetOptions o;
    o.num_images = 8;
    o.seed = 5;
    o.val_fraction = 0.25;
    o.render.min_size = 96;
    o.render.max_size = 128;
    o.render.max_people = 2;
    hr::data::synth::write_dataset(dir.string(), o);
  }
  ~TrainDataFixture() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  static const TrainDataFixture& get() {
    static TrainDataFixture f;
    return f;
  }
};

inline std::string demo_cfg_path() {
  return std::string(HRNET_EXPERIMENTS_DIR) + "/demo/hrnet/w16_128x96_demo.yaml";
}

// The demo config shrunk: input 32x64 (W x H; H/4 and W/4 must be multiples of 8), branch
// widths 4..32, one block per branch, batches of 4, LR 0.001, 2 epochs (the second at a tenth of the
// rate: LR_STEP [2, 3] drops it for epoch index 1, so a resume that lost its place in the
// schedule shows), one loader worker.
inline std::vector<std::string> tiny_overrides(const std::filesystem::path& data_root,
                                               const std::filesystem::path& output_dir) {
  return {"DATASET.ROOT", data_root.string() + "/",
          "OUTPUT_DIR", output_dir.string(),
          "MODEL.IMAGE_SIZE", "[32,64]",
          "MODEL.HEATMAP_SIZE", "[8,16]",
          "MODEL.SIGMA", "1",
          "MODEL.EXTRA.STAGE2.NUM_CHANNELS", "[4,8]",
          "MODEL.EXTRA.STAGE2.NUM_BLOCKS", "[1,1]",
          "MODEL.EXTRA.STAGE3.NUM_CHANNELS", "[4,8,16]",
          "MODEL.EXTRA.STAGE3.NUM_BLOCKS", "[1,1,1]",
          "MODEL.EXTRA.STAGE4.NUM_CHANNELS", "[4,8,16,32]",
          "MODEL.EXTRA.STAGE4.NUM_BLOCKS", "[1,1,1,1]",
          "TRAIN.BATCH_SIZE_PER_GPU", "4",
          "TEST.BATCH_SIZE_PER_GPU", "4",
          "TRAIN.END_EPOCH", "2",
          // the values these tests were written against, whatever the demo's tuning
          "TRAIN.LR", "0.001",
          "DATASET.SCALE_FACTOR", "0.35",
          "DATASET.ROT_FACTOR", "45",
          "DATASET.PROB_HALF_BODY", "0.3",
          "TRAIN.LR_STEP", "[2,3]",
          "WORKERS", "1",
          "PRINT_FREQ", "1"};
}

inline hr::cfg::Config tiny_config(const std::filesystem::path& output_dir,
                                   const std::vector<std::string>& extra = {}) {
  auto o = tiny_overrides(TrainDataFixture::get().dir, output_dir);
  o.insert(o.end(), extra.begin(), extra.end());
  return hr::cfg::load_config(demo_cfg_path(), o);
}

struct TempDir {
  std::filesystem::path path;
  explicit TempDir(const std::string& tag) {
    static std::atomic<int> counter{0};
    path = std::filesystem::temp_directory_path() /
           ("hrnet_train_" + tag + "_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

}  // namespace hr::test
