// `hrnet-eval score`: pycocotools-equal COCO keypoint AP/AR of a results file against a GT
// annotation file.
#pragma once
#include <CLI/CLI.hpp>

#include <string>

namespace hr::app::eval {

struct ScoreOptions {
  std::string gt;       // person_keypoints_*.json
  std::string results;  // results JSON (the official keypoints_*_results_*.json layout)
  std::string json;     // optional: where to write {"AP": ..., ..., "ARl": ...}
};

// Registers the subcommand; its options are written into `o`.
CLI::App* add_score(CLI::App& app, ScoreOptions& o);
// Loads, evaluates, prints the table (and writes the JSON). Returns the exit code.
int run_score(const ScoreOptions& o);

}  // namespace hr::app::eval
