// Reading a GT file and a results file for evaluation, both at once (two threads: the
// parse is most of the run time of `hrnet-eval score`).
#pragma once
#include <string>
#include <vector>

#include "datasets/eval/coco/coco_gt.h"
#include "datasets/eval/coco/coco_results.h"

namespace hr::data::cocoeval {

struct EvalInputs {
  GroundTruth gt;
  std::vector<Detection> dts;  // loadRes applied
};

// load_ground_truth(gt_path) and read_results(results_path) in parallel, then
// prepare_results. If both files are bad, the GT file's error is the one reported.
EvalInputs load_eval_inputs(const std::string& gt_path, const std::string& results_path);

}  // namespace hr::data::cocoeval
