// `hrnet-eval --cfg FILE [KEY VALUE ...]`: the official evaluation of TEST.MODEL_FILE on
// DATASET.TEST_SET (hrnet/evaluate/pipeline.h).
#pragma once
#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace hr::app::eval {

struct EvalOptions {
  std::string cfg;
  std::string device = "cpu";
  std::string out;          // output folder; default the official final_output_dir
  bool dark = false;        // DARK refinement instead of the quarter offset
  int dark_kernel = 11;
  long long max_samples = -1;
  int threads = 0;
  std::vector<std::string> overrides;
};

// Registers the top-level options (the default mode, no subcommand).
void add_eval(CLI::App& app, EvalOptions& o);
// Builds the network, loads TEST.MODEL_FILE strictly, evaluates, prints the metric table.
int run_eval(const EvalOptions& o);

}  // namespace hr::app::eval
