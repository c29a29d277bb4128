// The training loop on CUDA (hrnet/train/trainer.cpp): the same tiny run on both backends.
// On CUDA each batch is uploaded on the copy stream one step ahead (engine/upload.h), so this
// also checks that the overlap delivers every batch whole and in order: a late or reused
// batch would change the losses far beyond the backends' rounding differences.
#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>

#include <nlohmann/json.hpp>

#include "hrnet/train/trainer.h"
#include "tests/hrnet/train/train_fixture.h"

using namespace hr;
namespace fs = std::filesystem;

namespace {
std::vector<double> step_losses(const fs::path& dir) {
  std::ifstream f(dir / "log.jsonl");
  std::vector<double> out;
  for (std::string line; std::getline(f, line);) {
    const nlohmann::json j = nlohmann::json::parse(line);
    if (j["type"] == "step") out.push_back(j["loss"].get<double>());
  }
  return out;
}

std::vector<double> run(Device device, const fs::path& out) {
  train::TrainOptions o;
  o.cfg = test::tiny_config(out);
  o.cfg_file = test::demo_cfg_path();
  o.output_dir = out;
  o.seed = 42;
  o.device = device;
  o.progress = train::ProgressMode::Lines;
  static std::FILE* devnull = std::fopen("/dev/null", "w");
  o.out = devnull;
  const train::TrainResult r = train::train(o);
  CHECK_FALSE(r.interrupted);
  return step_losses(out);
}
}  // namespace

TEST_CASE("A tiny training run on CUDA follows the CPU's, step by step", "[cuda]") {
  test::TempDir cpu("cuda_trainer_cpu"), gpu("cuda_trainer_gpu");
  const std::vector<double> a = run(Device::CPU, cpu.path), b = run(Device::CUDA, gpu.path);
  REQUIRE(a.size() >= 4);
  REQUIRE(a.size() == b.size());
  // Step 0 is the first batch before any update: forward rounding only. Later steps carry
  // the backends' different gradient rounding through Adam (a tiny gradient whose sign flips
  // moves its weight by up to 2 lr), so they agree loosely; a batch delivered late, twice or
  // out of order changes the loss by far more on this data.
  CHECK(std::abs(a[0] - b[0]) <= 1e-5 * std::abs(a[0]));
  for (size_t i = 0; i < a.size(); ++i) {
    INFO("step " << i << ": CPU " << a[i] << ", CUDA " << b[i]);
    CHECK(std::abs(a[i] - b[i]) <= 1e-2 * std::abs(a[i]));
  }
}
