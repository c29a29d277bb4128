// `hrnet-bench model` and `hrnet-bench summary`: whole-network measurements from an official
// experiment config.
#pragma once
#include <string>
#include <vector>

namespace hr::bench {

struct ModelOptions {
  std::string cfg;
  std::vector<std::string> overrides;  // official KEY VALUE pairs
  std::string device = "cpu";
  std::vector<int> batches{1, 8};
  int threads = 0;  // 0: HRNET_NUM_THREADS or all cores
  int warmup = 1;
  int repeat = 3;
  bool no_train = false;  // time only the eval forward
  bool no_eval = false;   // time only the training step
  bool no_bn_fold = false;  // eval with BN as its own pass (hr::set_bn_folding(false))
  bool no_bn_recompute = false;  // training keeps BN + ReLU outputs (hr::set_bn_relu_recompute(false))
  std::string json;       // also write the results here (for benchmarks/ scripts)
};

// Eval forward per image and training step (forward, loss, backward, Adam) per image at each
// batch size; prints a table, returns the exit code.
int run_model_bench(const ModelOptions& o);

// Params and multiply-adds per stage of the network a config describes.
int run_summary(const std::string& cfg, const std::vector<std::string>& overrides);

}  // namespace hr::bench
