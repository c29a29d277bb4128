// The evaluation pipeline end to end on the real fixtures: perfect heatmaps (the training
// targets) must score near the top of the COCO metric, a shuffled assignment near zero; the
// network path runs with the flip test; MPII writes pred.mat and scores PCKh from a GT file.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "datasets/eval/mpii/mat_v5.h"
#include "engine/engine.h"
#include "hrnet/config/config.h"
#include "hrnet/evaluate/pipeline.h"
#include "hrnet/evaluate/validation_hook.h"
#include "hrnet/from_config.h"
#include "support/files.h"
#include "support/test_data.h"

namespace fs = std::filesystem;

namespace {

const std::string kCocoCfg =
    std::string(HRNET_EXPERIMENTS_DIR) + "/coco/hrnet/w32_256x192_adam_lr1e-3.yaml";
const std::string kMpiiCfg =
    std::string(HRNET_EXPERIMENTS_DIR) + "/mpii/hrnet/w32_256x256_adam_lr1e-3.yaml";

hr::cfg::Config coco_mini(std::vector<std::string> extra = {}) {
  std::vector<std::string> o = {"DATASET.ROOT", hr::test::test_data_dir() + "/coco-mini",
                                "DATASET.TEST_SET", "val2017", "WORKERS", "2"};
  o.insert(o.end(), extra.begin(), extra.end());
  return hr::cfg::load_config(kCocoCfg, o);
}

// The targets of each batch are what a perfect network would output.
hr::evaluate::HeatmapFn targets() {
  return [](const hr::data::Batch& b, const hr::Tensor&) { return b.target; };
}

}  // namespace

TEST_CASE("evaluation of perfect heatmaps on coco-mini GT boxes scores near 1",
          "[evaluate][coco]") {
  hr::test::ScratchDir tmp("hrnet_eval_perfect_");
  const auto cfg = coco_mini({"TEST.USE_GT_BBOX", "true", "TEST.FLIP_TEST", "false"});
  hr::evaluate::EvalOptions o;
  o.output_dir = tmp.path;
  o.progress = nullptr;
  const auto s = hr::evaluate::evaluate_heatmaps(cfg, targets(), o);
  CHECK(s.dataset == "coco");
  CHECK(s.metric_name == "AP");
  CHECK(s.samples == 12);  // coco-mini's GT people with keypoints
  // Gaussian targets sit on the joints rounded to the heatmap grid (4 image pixels x the box
  // scale): OKS stays high but not 1 for the small people.
  CHECK(s.metric > 0.9);
  CHECK(s.metric <= 1.0);
  REQUIRE(s.values.size() == 10);
  CHECK(s.values[0].first == "AP");
  CHECK(s.values[1].first == "Ap .5");  // the official (mis)spelling
  CHECK(s.table.find("| Arch | AP | Ap .5 |") != std::string::npos);
  // The results file is in the official format.
  REQUIRE(fs::exists(s.results_file));
  CHECK(s.results_file.filename() == "keypoints_val2017_results_0.json");
  std::ifstream f(s.results_file);
  const auto j = nlohmann::json::parse(f);
  REQUIRE(j.is_array());
  REQUIRE(j.size() >= 1);
  for (const auto& e : j) {
    CHECK(e["category_id"] == 1);
    CHECK(e["keypoints"].size() == 51);
    CHECK(e.contains("center"));
    CHECK(e.contains("scale"));
  }
}

TEST_CASE("evaluation of wrong heatmaps scores near 0, and DARK decoding runs",
          "[evaluate][coco]") {
  hr::test::ScratchDir tmp("hrnet_eval_wrong_");
  const auto cfg = coco_mini({"TEST.USE_GT_BBOX", "true", "TEST.FLIP_TEST", "false"});
  hr::evaluate::EvalOptions o;
  o.output_dir = tmp.path;
  o.progress = nullptr;
  // Every joint's map moved to the mirror-image joint's place: left and right swapped and the
  // picture mirrored -> far from the truth for most joints.
  const auto wrong = [](const hr::data::Batch& b, const hr::Tensor&) {
    hr::Tensor t = b.target.clone();
    const int64_t B = t.size(0), H = t.size(1), W = t.size(2), J = t.size(3);
    const float* src = b.target.data<float>();
    float* dst = t.data<float>();
    for (int64_t n = 0; n < B; ++n)
      for (int64_t y = 0; y < H; ++y)
        for (int64_t x = 0; x < W; ++x)
          for (int64_t j = 0; j < J; ++j)
            dst[((n * H + (H - 1 - y)) * W + x) * J + j] = src[((n * H + y) * W + x) * J + j];
    return t;
  };
  const auto s = hr::evaluate::evaluate_heatmaps(cfg, wrong, o);
  CHECK(s.metric < 0.2);
  o.dark = true;
  const auto d = hr::evaluate::evaluate_heatmaps(cfg, targets(), o);
  CHECK(d.metric > 0.9);
}

TEST_CASE("evaluation with detector boxes runs the network with the flip test",
          "[evaluate][coco]") {
  hr::test::ScratchDir tmp("hrnet_eval_net_");
  const std::string demo = std::string(HRNET_EXPERIMENTS_DIR) + "/demo/hrnet/w16_128x96_demo.yaml";
  const auto cfg = hr::cfg::load_config(
      demo, std::vector<std::string>{"DATASET.ROOT", hr::test::test_data_dir() + "/coco-mini", "DATASET.TEST_SET",
             "val2017", "TEST.USE_GT_BBOX", "false", "TEST.FLIP_TEST", "true",
             "TEST.COCO_BBOX_FILE",
             hr::test::test_data_dir() +
                 "/coco-mini/person_detection_results/COCO_val2017_detections_AP_H_56_person.json"});
  auto net = hr::net::build_network(cfg);
  hr::Rng rng(3);
  net->init_weights(rng);
  hr::evaluate::EvalOptions o;
  o.output_dir = tmp.path;
  o.progress = nullptr;
  o.max_samples = 40;
  const auto s = hr::evaluate::evaluate_model(cfg, *net, o);
  CHECK(s.samples == 40);
  CHECK(s.metric_name == "AP");
  CHECK(s.metric >= 0.0);  // an untrained network: the metric exists, it is not good
  CHECK(fs::exists(s.results_file));
}

TEST_CASE("MPII evaluation writes pred.mat and scores PCKh when the GT file exists",
          "[evaluate][mpii]") {
  hr::test::ScratchDir tmp("hrnet_eval_mpii_");
  // mpii-mini has no gt_valid.mat: copy it and add a JSON ground truth made from valid.json
  // (head boxes invented around the head joints) so the PCKh path runs.
  const fs::path root = tmp.path / "mpii";
  fs::create_directories(root / "annot");
  fs::create_directory_symlink(fs::absolute(hr::test::test_data_dir() + "/mpii-mini/images"),
                               root / "images");
  fs::copy_file(hr::test::test_data_dir() + "/mpii-mini/annot/valid.json",
                root / "annot" / "valid.json");
  const auto cfg = hr::cfg::load_config(kMpiiCfg, std::vector<std::string>{"DATASET.ROOT", root.string() + "/",
                                                   "DATASET.TEST_SET", "valid", "TEST.FLIP_TEST",
                                                   "false", "WORKERS", "1"});
  hr::evaluate::EvalOptions o;
  o.output_dir = tmp.path / "out";
  o.progress = nullptr;
  // Without a GT file: predictions are written, PCKh is skipped with a message.
  const auto none = hr::evaluate::evaluate_heatmaps(cfg, targets(), o);
  CHECK(none.metric_name.empty());
  CHECK(none.table.find("gt_valid.mat") != std::string::npos);
  REQUIRE(fs::exists(o.output_dir / "pred.mat"));
  const auto pred = hr::data::mat::read_mat_v5((o.output_dir / "pred.mat").string());
  const auto& p = pred.get("preds");
  REQUIRE(p.dims.size() == 3);
  CHECK(p.dims[1] == 16);
  CHECK(p.dims[2] == 2);

  // A GT file from valid.json: joints as given (1-based as in the .mat), visibility, head box
  // of 60 x 60 pixels around the head top.
  std::ifstream vf(root / "annot" / "valid.json");
  const auto valid = nlohmann::json::parse(vf);
  const size_t N = valid.size();
  nlohmann::json missing = nlohmann::json::array(), pos = nlohmann::json::array();
  for (int j = 0; j < 16; ++j) {
    nlohmann::json m = nlohmann::json::array(), xs = nlohmann::json::array(),
                   ys = nlohmann::json::array();
    for (size_t n = 0; n < N; ++n) {
      m.push_back(valid[n]["joints_vis"][j].get<double>() > 0 ? 0 : 1);
      xs.push_back(valid[n]["joints"][j][0].get<double>() + 1);
      ys.push_back(valid[n]["joints"][j][1].get<double>() + 1);
    }
    missing.push_back(m);
    pos.push_back({xs, ys});
  }
  nlohmann::json x1 = nlohmann::json::array(), y1 = nlohmann::json::array(),
                 x2 = nlohmann::json::array(), y2 = nlohmann::json::array();
  for (size_t n = 0; n < N; ++n) {
    const double hx = valid[n]["joints"][9][0].get<double>() + 1,
                 hy = valid[n]["joints"][9][1].get<double>() + 1;
    x1.push_back(hx - 30);
    y1.push_back(hy - 30);
    x2.push_back(hx + 30);
    y2.push_back(hy + 30);
  }
  nlohmann::json gt = {{"jnt_missing", missing},
                       {"pos_gt_src", pos},
                       {"headboxes_src", {{x1, y1}, {x2, y2}}}};
  std::ofstream(root / "annot" / "gt_valid.json") << gt.dump();
  const auto s = hr::evaluate::evaluate_heatmaps(cfg, targets(), o);
  CHECK(s.metric_name == "PCKh");
  // Perfect heatmaps: every visible joint within half a (51-pixel) head of the truth.
  CHECK(s.metric > 95.0);
  CHECK(s.table.find("| Head |") != std::string::npos);
}

TEST_CASE("the training validation hook reports AP per epoch, or val_acc without a metric",
          "[evaluate][train]") {
  hr::test::ScratchDir tmp("hrnet_eval_hook_");
  const std::string demo = std::string(HRNET_EXPERIMENTS_DIR) + "/demo/hrnet/w16_128x96_demo.yaml";
  const auto cfg = hr::cfg::load_config(
      demo, std::vector<std::string>{"DATASET.ROOT", hr::test::test_data_dir() + "/coco-mini",
                                     "DATASET.TRAIN_SET", "val2017", "DATASET.TEST_SET", "val2017",
                                     "WORKERS", "1"});
  CHECK(hr::evaluate::metric_available(cfg));
  auto net = hr::net::build_network(cfg);
  hr::Rng rng(9);
  net->init_weights(rng);
  auto hook = hr::evaluate::full_validation(cfg, hr::Device::CPU, tmp.path);
  const auto r = hook(*net, 3);
  CHECK(r.metric_name == "AP");
  REQUIRE(r.values.size() == 10);
  CHECK(r.metric == r.values[0].second);
  CHECK(fs::exists(tmp.path / "epoch_3" / "results" / "keypoints_val2017_results_0.json"));

  // MPII without gt_valid.mat: the loss/accuracy validation, named as such.
  const auto mpii = hr::cfg::load_config(
      kMpiiCfg, std::vector<std::string>{"DATASET.ROOT", hr::test::test_data_dir() + "/mpii-mini",
                                         "DATASET.TEST_SET", "valid"});
  CHECK_FALSE(hr::evaluate::metric_available(mpii));
  const auto test_dev = hr::cfg::load_config(
      kCocoCfg, std::vector<std::string>{"DATASET.TEST_SET", "test-dev2017"});
  CHECK_FALSE(hr::evaluate::metric_available(test_dev));
}
