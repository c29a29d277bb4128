// hrnet-infer end to end: weights exported by the engine, an NCHW input, the app's heatmaps
// against an in-process forward; and its error exit on mismatched weights.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/engine.h"
#include "engine/io/safetensors.h"
#include "engine/layout.h"
#include "hrnet/from_config.h"
#include "hrnet/weights.h"

namespace fs = std::filesystem;
using namespace hr;

namespace {

struct TempDir {
  fs::path path;
  TempDir() : path(fs::temp_directory_path() / ("hrnet_infer_test_" + std::to_string(::getpid()))) {
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
};

// Runs a command, returns its exit code; stderr goes to `log`.
int run(const std::string& cmd, const fs::path& log) {
  const int rc = std::system((cmd + " 2> " + log.string()).c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

std::string slurp(const fs::path& p) {
  std::ifstream f(p);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

const std::string kDemoCfg = std::string(HRNET_EXPERIMENTS_DIR) + "/demo/hrnet/w16_128x96_demo.yaml";

}  // namespace

TEST_CASE("hrnet-infer writes the heatmaps the network computes", "[apps][infer]") {
  TempDir tmp;
  const cfg::Config cfg = cfg::load_config(kDemoCfg);
  auto net = net::build_network(cfg);
  Rng rng(11);
  net->init_weights(rng);
  // Give BN non-trivial statistics so eval mode is exercised.
  for (auto& [name, t] : net->named_buffers())
    if (name.ends_with("running_var")) t.copy_from(rand_uniform(t.shape(), rng, 0.5, 1.5));
  const auto weights = tmp.path / "w.safetensors";
  io::write_safetensors(weights.string(), net::export_state_dict(*net));

  const int H = cfg.model.image_size.height, W = cfg.model.image_size.width;
  const Tensor input = randn(Shape{2, 3, H, W}, rng);
  const auto in_path = tmp.path / "in.safetensors", out_path = tmp.path / "out.safetensors";
  io::write_safetensors(in_path.string(), {{"input", input}});

  const std::string cmd = std::string(HRNET_INFER_EXE) + " --cfg " + kDemoCfg + " --weights " +
                          weights.string() + " --input-tensor " + in_path.string() +
                          " --output-tensor " + out_path.string() +
                          // the same thread count as this process: same tiles, same bits
                          " --threads " + std::to_string(num_threads());
  REQUIRE(run(cmd, tmp.path / "log") == 0);

  net->eval();
  NoGradGuard no_grad;
  const Tensor expected = to_channels_first(net->forward(Var(to_channels_last(input))).value());
  const auto got = io::read_safetensors(out_path.string());
  REQUIRE(got.tensors.size() == 1);
  CHECK(got.tensors[0].name == "heatmaps");
  REQUIRE(got.tensors[0].tensor.shape() == expected.shape());
  CHECK(got.tensors[0].tensor.to_vector<float>() == expected.to_vector<float>());
}

TEST_CASE("hrnet-infer refuses weights of another network and says why", "[apps][infer][errors]") {
  TempDir tmp;
  // Weights of the demo network, loaded into the W32 COCO config: every shape differs.
  const cfg::Config demo = cfg::load_config(kDemoCfg);
  auto net = net::build_network(demo);
  const auto weights = tmp.path / "demo.safetensors";
  io::write_safetensors(weights.string(), net::export_state_dict(*net));
  const auto in_path = tmp.path / "in.safetensors";
  io::write_safetensors(in_path.string(), {{"input", Tensor::zeros(Shape{1, 3, 256, 192})}});
  const std::string w32 = std::string(HRNET_EXPERIMENTS_DIR) + "/coco/hrnet/w32_256x192_adam_lr1e-3.yaml";
  const auto out_path = tmp.path / "out.safetensors";
  const std::string cmd = std::string(HRNET_INFER_EXE) + " --cfg " + w32 + " --weights " + weights.string() +
                          " --input-tensor " + in_path.string() + " --output-tensor " + out_path.string();
  CHECK(run(cmd, tmp.path / "log") == 1);
  const std::string log = slurp(tmp.path / "log");
  CHECK(log.find("wrong shape") != std::string::npos);
  CHECK(log.find("demo.safetensors") != std::string::npos);
  CHECK_FALSE(fs::exists(out_path));  // nothing half-written

  // A missing input tensor names the file.
  io::write_safetensors(in_path.string(), {{"image", Tensor::zeros(Shape{1, 3, 128, 96})}});
  const std::string cmd2 = std::string(HRNET_INFER_EXE) + " --cfg " + kDemoCfg + " --weights " + weights.string() +
                           " --input-tensor " + in_path.string() + " --output-tensor " + out_path.string();
  CHECK(run(cmd2, tmp.path / "log2") == 1);
  CHECK(slurp(tmp.path / "log2").find("no tensor named 'input'") != std::string::npos);
}
