// `hrnet-bench convergence`: how fast training reaches a given accuracy on the CPU.
//
// Renders a synthetic-people dataset (the "demo" preset) unless the folder already holds one,
// trains a config on it with the official recipe (hr::train::train), validates with the
// official COCO pipeline after every epoch on the held-out synthetic images, and reports AP
// against wall time: a table, the first time AP reached the target, a markdown table and an
// SVG chart (AP, AP .5 and AP .75 against minutes) in the output folder.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace hr::bench {

struct ConvergenceOptions {
  std::string cfg;                     // experiment YAML; DATASET.ROOT and OUTPUT_DIR are replaced
  std::vector<std::string> overrides;  // official KEY VALUE pairs, applied after the config
  std::string data = "data/synthetic-demo";  // rendered here when it holds no dataset
  int64_t images = 1000;               // images to render (10% held out as val2017)
  uint64_t data_seed = 1;
  std::string out = "output/convergence";    // training outputs, convergence.{md,svg}
  uint64_t seed = 0;                   // training seed
  int threads = 0;                     // 0: all cores
  double target = 0.7;                 // AP to reach
  double budget_s = 600;               // the wall-time goal the report is judged against
};

// Returns 0 when the run finished (whether or not it reached the target: the table says so).
int run_convergence_bench(const ConvergenceOptions& o);

}  // namespace hr::bench
