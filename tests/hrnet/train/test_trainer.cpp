// The training loop: the loss falls, a resumed run ends bit for bit where an uninterrupted one
// does (from an epoch boundary and from an interrupt mid-epoch), and a NaN stops training
// with the step and the last good checkpoint named.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <fstream>

#include <nlohmann/json.hpp>

#include "engine/engine.h"
#include "engine/io/safetensors.h"
#include "hrnet/from_config.h"
#include "hrnet/train/data_config.h"
#include "hrnet/weights.h"
#include "hrnet/train/trainer.h"
#include "train_fixture.h"

using namespace hr;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::FILE* devnull() {
  static std::FILE* f = std::fopen("/dev/null", "w");
  return f;
}

train::TrainOptions options(const fs::path& out, const std::vector<std::string>& extra = {}) {
  train::TrainOptions o;
  o.cfg = test::tiny_config(out, extra);
  o.cfg_file = test::demo_cfg_path();
  o.output_dir = out;
  o.seed = 42;
  o.progress = train::ProgressMode::Lines;
  o.out = devnull();
  return o;
}

std::vector<json> log_records(const fs::path& dir, const std::string& type) {
  std::ifstream f(dir / "log.jsonl");
  std::vector<json> out;
  for (std::string line; std::getline(f, line);) {
    json j = json::parse(line);
    if (j["type"] == type) out.push_back(j);
  }
  return out;
}

void require_same_file_tensors(const fs::path& a, const fs::path& b) {
  const auto ta = io::read_safetensors(a.string()).tensors, tb = io::read_safetensors(b.string()).tensors;
  REQUIRE(ta.size() == tb.size());
  for (size_t i = 0; i < ta.size(); ++i) {
    INFO(ta[i].name);
    REQUIRE(ta[i].name == tb[i].name);
    const Tensor& x = ta[i].tensor;
    const Tensor& y = tb[i].tensor;
    REQUIRE(x.nbytes() == y.nbytes());
    CHECK(std::memcmp(x.raw(), y.raw(), x.nbytes()) == 0);  // bit for bit
  }
}

int64_t batches_per_epoch(const cfg::Config& c) {
  const int64_t n = int64_t(train::load_records(c, true).size());
  return (n + c.train.batch_size_per_gpu - 1) / c.train.batch_size_per_gpu;
}

}  // namespace

TEST_CASE("training on synthetic data makes the loss fall", "[train][trainer]") {
  test::TempDir tmp("falls");
  // A higher rate and no augmentation so that a few dozen steps on a handful of people show it.
  auto o = options(tmp.path, {"TRAIN.END_EPOCH", "8", "TRAIN.LR", "0.01", "TRAIN.LR_STEP", "[100]",
                              "DATASET.SCALE_FACTOR", "0.0", "DATASET.ROT_FACTOR", "0",
                              "DATASET.FLIP", "False", "DATASET.PROB_HALF_BODY", "-1.0"});
  const auto r = train::train(o);
  CHECK_FALSE(r.interrupted);
  const auto steps = log_records(tmp.path, "step");
  REQUIRE(steps.size() >= 20);
  double first = 0, last = 0;
  for (int i = 0; i < 4; ++i) {
    first += steps[size_t(i)]["loss"].get<double>();
    last += steps[steps.size() - 1 - size_t(i)]["loss"].get<double>();
  }
  INFO("mean loss of the first 4 steps " << first / 4 << ", last 4 " << last / 4);
  CHECK(last < 0.8 * first);
  const auto epochs = log_records(tmp.path, "epoch");
  REQUIRE(epochs.size() == 8);
  CHECK(epochs.back()["train_loss"].get<double>() < epochs.front()["train_loss"].get<double>());
  for (const char* f : {"checkpoint.safetensors", "model_best.safetensors", "final_state.safetensors",
                        "loss.svg", "accuracy.svg", "val_acc.svg", "log.jsonl"})
    CHECK(fs::exists(tmp.path / f));
}

TEST_CASE("a resumed run ends with the weights of an uninterrupted one, bit for bit", "[train][trainer][resume]") {
  test::TempDir whole("whole"), split("split"), mid("mid");
  const auto a = train::train(options(whole.path));
  CHECK(a.next_epoch == 2);

  // 1 epoch, then AUTO_RESUME for the second.
  train::train(options(split.path, {"TRAIN.END_EPOCH", "1"}));
  REQUIRE(fs::exists(split.path / "final_state.safetensors"));
  const auto b = train::train(options(split.path, {"AUTO_RESUME", "True"}));
  CHECK(b.resumed);
  CHECK(b.global_step == a.global_step);
  require_same_file_tensors(whole.path / "final_state.safetensors", split.path / "final_state.safetensors");
  // The schedule continued where it stopped: epoch 1 ran at a tenth of the rate.
  const auto ep = log_records(split.path, "epoch");
  REQUIRE(ep.size() == 2);
  CHECK(ep[0]["lr"].get<double>() == 0.001);
  CHECK(ep[1]["lr"].get<double>() == Approx(0.0001).epsilon(1e-12));
  CHECK(log_records(split.path, "start").size() == 1);
  CHECK(log_records(split.path, "resume").size() == 1);

  // Interrupted in the middle of epoch 0 (as Ctrl-C would), then resumed with a different
  // --seed, which the checkpoint's seed overrides.
  std::atomic<bool> stop{false};
  auto o = options(mid.path);
  o.stop = &stop;
  o.after_backward = [&](net::PoseHighResolutionNet&, int64_t step) {
    if (step == 2) stop = true;
  };
  const auto c1 = train::train(o);
  CHECK(c1.interrupted);
  CHECK(c1.global_step == 2);
  CHECK_FALSE(fs::exists(mid.path / "final_state.safetensors"));
  auto o2 = options(mid.path, {"AUTO_RESUME", "True"});
  o2.seed = 7;
  const auto c2 = train::train(o2);
  CHECK(c2.resumed);
  CHECK_FALSE(c2.interrupted);
  require_same_file_tensors(whole.path / "final_state.safetensors", mid.path / "final_state.safetensors");
  require_same_file_tensors(whole.path / "checkpoint.safetensors", mid.path / "checkpoint.safetensors");

  // A fresh run (AUTO_RESUME off) in a used folder replaces the checkpoint and starts a new log.
  train::train(options(split.path, {"TRAIN.END_EPOCH", "1"}));
  CHECK(log_records(split.path, "epoch").size() == 1);
  CHECK(log_records(split.path, "resume").empty());
}

TEST_CASE("a NaN gradient or loss stops training naming the step and the last checkpoint", "[train][trainer][nan]") {
  SECTION("a NaN gradient before any checkpoint") {
    test::TempDir tmp("nan_grad");
    auto o = options(tmp.path);
    o.after_backward = [](net::PoseHighResolutionNet& net, int64_t step) {
      if (step != 2) return;
      for (auto& [k, p] : net.named_parameters())
        if (k == "stage2.0.branches.0.0.conv1.weight") p.grad().data<float>()[3] = std::nanf("");
    };
    CHECK_THROWS_WITH(train::train(o), Catch::Contains("stage2.0.branches.0.0.conv1.weight") &&
                                           Catch::Contains("NaN or Inf at step 2 (epoch 0, batch 1") &&
                                           Catch::Contains("Last good checkpoint: none written yet"));
    CHECK_FALSE(fs::exists(tmp.path / "final_state.safetensors"));
  }
  SECTION("a NaN loss after the first epoch's checkpoint") {
    test::TempDir tmp("nan_loss");
    auto o = options(tmp.path);
    const int64_t nb = batches_per_epoch(o.cfg);
    // Poison a weight after the first step of epoch 1: the next forward's loss is NaN.
    o.after_backward = [nb](net::PoseHighResolutionNet& net, int64_t step) {
      if (step != nb + 1) return;
      for (auto& [k, p] : net.named_parameters())
        if (k == "final_layer.bias") p.value().data<float>()[0] = std::nanf("");
    };
    const std::string ckpt = (tmp.path / "checkpoint.safetensors").string();
    CHECK_THROWS_WITH(train::train(o), Catch::Contains(fmt::format("the loss is nan at step {} (epoch 1, batch 1", nb + 2)) &&
                                           Catch::Contains("Last good checkpoint: " + ckpt + " (end of epoch 0)"));
  }
}

TEST_CASE("MODEL.PRETRAINED initialises the PRETRAINED_LAYERS, the rest keeps the seeded init", "[train][trainer]") {
  test::TempDir tmp("pretrained");
  // An "ImageNet" checkpoint: a network of the same shape with other weights, without the
  // pose head, plus a classifier key the pose network does not have (ignored, as officially).
  const cfg::Config c0 = test::tiny_config(tmp.path);
  auto donor = net::build_network(c0);
  Rng r(77);
  for (auto& [k, p] : donor->named_parameters()) p.value().copy_from(randn(p.shape(), r, 0.05));
  io::NamedTensors file;
  for (auto& nt : net::export_state_dict(*donor))
    if (!nt.name.starts_with("final_layer")) file.push_back(nt);
  file.push_back({"classifier.weight", randn(Shape{10, 4}, r)});
  const fs::path pre = tmp.path / "imagenet.safetensors";
  io::write_safetensors(pre.string(), file);

  auto o = options(tmp.path / "out", {"TRAIN.END_EPOCH", "0", "MODEL.PRETRAINED", pre.string()});
  train::train(o);
  const auto got = io::read_safetensors((tmp.path / "out" / "final_state.safetensors").string()).tensors;
  const auto want = net::export_state_dict(*donor);
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    INFO(got[i].name);
    if (got[i].tensor.dtype() != DType::f32) continue;
    const bool same = got[i].tensor.to_vector<float>() == want[i].tensor.to_vector<float>();
    CHECK(same == !got[i].name.starts_with("final_layer"));
  }

  // A missing MODEL.PRETRAINED file is an error, not a silent start from scratch.
  auto bad = options(tmp.path / "out2", {"MODEL.PRETRAINED", (tmp.path / "missing.pth").string()});
  CHECK_THROWS_WITH(train::train(bad), Catch::Contains("missing.pth"));
}
