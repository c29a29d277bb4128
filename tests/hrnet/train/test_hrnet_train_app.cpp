// hrnet-train end to end: the official output folder with every file, weights that load
// strictly into the network the config builds, the metrics log; and SIGINT mid-run.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "engine/io/safetensors.h"
#include "hrnet/from_config.h"
#include "hrnet/load_weights.h"
#include "train_fixture.h"

using namespace hr;
namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream f(p);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string quoted_args(const std::vector<std::string>& args) {
  std::string s;
  for (const auto& a : args) s += " '" + a + "'";
  return s;
}

}  // namespace

TEST_CASE("hrnet-train writes the official output folder and loadable weights", "[train][apps]") {
  test::TempDir tmp("app");
  const auto overrides = test::tiny_overrides(test::TrainDataFixture::get().dir, tmp.path / "output");
  const std::string cmd = std::string(HRNET_TRAIN_EXE) + " --cfg " + test::demo_cfg_path() + " --seed 3 --threads 2" +
                          quoted_args(overrides) + " > " + (tmp.path / "log.txt").string() + " 2>&1";
  const int rc = std::system(cmd.c_str());
  INFO(slurp(tmp.path / "log.txt"));
  REQUIRE(WIFEXITED(rc));
  REQUIRE(WEXITSTATUS(rc) == 0);

  // OUTPUT_DIR / DATASET.DATASET / MODEL.NAME / cfg file name, as create_logger builds it.
  const fs::path out = tmp.path / "output" / "coco" / "pose_hrnet" / "w16_128x96_demo";
  for (const char* f : {"checkpoint.safetensors", "model_best.safetensors", "final_state.safetensors", "log.jsonl",
                        "loss.svg", "accuracy.svg", "AP.svg", "config.yaml"})
    CHECK(fs::exists(out / f));
  // The default validation is the official evaluation: COCO AP on the val set every epoch,
  // its results file beside the checkpoints.
  CHECK(fs::exists(out / "epoch_0" / "results" / "keypoints_val2017_results_0.json"));
  CHECK(slurp(out / "loss.svg").find("<polyline") != std::string::npos);

  const cfg::Config c = cfg::load_config(test::demo_cfg_path(), overrides);
  for (const char* f : {"model_best.safetensors", "final_state.safetensors"}) {
    auto net = net::build_network(c);
    const auto rep = net::load_weights_into(*net, (out / f).string());  // strict
    CHECK(rep.missing.empty());
    CHECK(rep.unexpected.empty());
  }
  int epochs = 0, steps = 0;
  std::ifstream log(out / "log.jsonl");
  for (std::string line; std::getline(log, line);) {
    const auto j = nlohmann::json::parse(line);
    if (j["type"] == "epoch") {
      ++epochs;
      CHECK(j.contains("train_loss"));
      CHECK(j.contains("train_acc"));
      CHECK(j.contains("AP"));
      CHECK(j.contains("AR"));
      CHECK(j["metric_name"] == "AP");
    }
    if (j["type"] == "step") ++steps;
  }
  CHECK(epochs == 2);
  CHECK(steps > 2);
  CHECK(slurp(tmp.path / "log.txt").find("AP ") != std::string::npos);
}

TEST_CASE("hrnet-train saves a checkpoint and exits 130 on SIGINT", "[train][apps][signal]") {
  test::TempDir tmp("sigint");
  auto overrides = test::tiny_overrides(test::TrainDataFixture::get().dir, tmp.path / "output");
  overrides.insert(overrides.end(), {"TRAIN.END_EPOCH", "1000"});
  const fs::path out = tmp.path / "output" / "coco" / "pose_hrnet" / "w16_128x96_demo";
  std::vector<std::string> argv_s = {HRNET_TRAIN_EXE, "--cfg", test::demo_cfg_path(), "--threads", "1"};
  argv_s.insert(argv_s.end(), overrides.begin(), overrides.end());
  const std::string log_path = (tmp.path / "log.txt").string();

  // Everything the child needs is prepared before fork(): between fork and exec a child of a
  // threaded process may only make async-signal-safe calls (no malloc, no stdio).
  std::vector<char*> argv;
  for (auto& s : argv_s) argv.push_back(s.data());
  argv.push_back(nullptr);
  const int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  REQUIRE(log_fd >= 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::dup2(log_fd, 2);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(log_fd);
  // Wait until it has trained a step (the log has a step record), then interrupt.
  bool started = false;
  for (int i = 0; i < 600 && !started; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    started = slurp(out / "log.jsonl").find("\"type\":\"step\"") != std::string::npos;
  }
  ::kill(pid, SIGINT);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  INFO(slurp(log_path));
  REQUIRE(started);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 130);
  CHECK(slurp(log_path).find("interrupted") != std::string::npos);
  CHECK(fs::exists(out / "checkpoint.safetensors"));
  CHECK_FALSE(fs::exists(out / "final_state.safetensors"));
  const auto md = io::read_safetensors((out / "checkpoint.safetensors").string()).metadata;
  CHECK(std::stoll(md.at("global_step")) >= 1);
}
