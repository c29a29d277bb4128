// The network can learn real people: the demo config overfits the 12 annotated people of
// ../shared/data/coco-mini (val2017 as the training set, no augmentation, one batch of 12 per
// epoch), and the official evaluation on those same images, without the flip test (the network
// never saw a mirrored image), goes from nothing to a clear AP. About 120 steps; ~1 minute on 2
// cores.
#include <catch2/catch.hpp>

#include <fstream>

#include <nlohmann/json.hpp>

#include "hrnet/evaluate/validation_hook.h"
#include "hrnet/train/trainer.h"
#include "support/test_data.h"
#include "train_fixture.h"

using namespace hr;
namespace fs = std::filesystem;

TEST_CASE("the demo network overfits coco-mini: the loss falls and AP on those images rises",
          "[train][overfit][slow]") {
  test::TempDir tmp("overfit");
  const std::string root = test::test_data_dir() + "/coco-mini/";
  REQUIRE(fs::exists(root + "annotations/person_keypoints_val2017.json"));
  train::TrainOptions o;
  o.cfg = cfg::load_config(test::demo_cfg_path(),
                           std::vector<std::string>{
                               "DATASET.ROOT", root, "DATASET.TRAIN_SET", "val2017", "DATASET.TEST_SET", "val2017",
                               "OUTPUT_DIR", tmp.path.string(),
                               // the crops the evaluation sees, every step
                               "DATASET.FLIP", "False", "DATASET.SCALE_FACTOR", "0.0", "DATASET.ROT_FACTOR", "0",
                               "DATASET.PROB_HALF_BODY", "-1.0", "TEST.FLIP_TEST", "False",
                               "TEST.USE_GT_BBOX", "True", "TRAIN.BATCH_SIZE_PER_GPU", "12",
                               "TRAIN.LR", "0.005", "TRAIN.LR_STEP", "[1000]", "TRAIN.END_EPOCH", "120",
                               "WORKERS", "1", "PRINT_FREQ", "1000"});
  o.cfg_file = test::demo_cfg_path();
  o.output_dir = tmp.path;
  o.seed = 3;
  o.progress = train::ProgressMode::Lines;
  o.out = std::fopen("/dev/null", "w");
  o.validate = evaluate::full_validation(o.cfg, Device::CPU, tmp.path);
  const auto r = train::train(o);
  std::fclose(o.out);
  REQUIRE(r.metric_name == "AP");

  std::vector<double> ap, loss;
  std::ifstream f(tmp.path / "log.jsonl");
  for (std::string line; std::getline(f, line);) {
    const auto j = nlohmann::json::parse(line);
    if (j["type"] != "epoch") continue;
    ap.push_back(j["AP"].get<double>());
    loss.push_back(j["train_loss"].get<double>());
  }
  REQUIRE(ap.size() == 120);
  INFO("AP after epoch 0: " << ap.front() << ", best: " << r.best_metric << ", last: " << ap.back()
                            << "; loss " << loss.front() << " -> " << loss.back());
  CHECK(ap.front() < 0.05);
  CHECK(r.best_metric > 0.25);
  CHECK(ap.back() > 0.15);
  CHECK(loss.back() < 0.6 * loss.front());
}
