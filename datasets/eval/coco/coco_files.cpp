#include "datasets/eval/coco/coco_files.h"

#include <exception>
#include <thread>

namespace hr::data::cocoeval {

EvalInputs load_eval_inputs(const std::string& gt_path, const std::string& results_path) {
  EvalInputs in;
  std::vector<KeypointResult> results;
  std::exception_ptr results_error;
  std::thread reader([&] {
    try {
      results = read_results(results_path);
    } catch (...) {
      results_error = std::current_exception();
    }
  });
  std::exception_ptr gt_error;
  try {
    in.gt = load_ground_truth(gt_path);
  } catch (...) {
    gt_error = std::current_exception();
  }
  reader.join();
  if (gt_error) std::rethrow_exception(gt_error);
  if (results_error) std::rethrow_exception(results_error);
  in.dts = prepare_results(results, in.gt, results_path);
  return in;
}

}  // namespace hr::data::cocoeval
