// Validation after each epoch, through a pluggable hook.
//
// The trainer calls the hook once per epoch with the network in eval mode and gradients off,
// logs every named value it returns, and keeps model_best by `metric` (higher is better;
// ties go to the later epoch, as the official `perf_indicator >= best_perf`). hrnet-eval's
// pipeline (flip test, post-processing, COCO AP / MPII PCKh) plugs in here by returning
// {"AP", ap, {...}}; until then loss_accuracy_validation() is the default.
#pragma once
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "engine/dtype.h"
#include "hrnet/config/config.h"
#include "hrnet/pose_hrnet.h"

namespace hr::train {

struct EvalResult {
  std::string metric_name;  // what selects model_best, named honestly ("val_acc", "AP", ...)
  double metric = 0.0;      // higher is better
  std::vector<std::pair<std::string, double>> values;  // everything to log (may repeat metric)
};

// epoch: the 0-based epoch just trained.
using ValidationHook = std::function<EvalResult(net::PoseHighResolutionNet& net, int epoch)>;

// The default hook: the official validate()'s loss and training-style accuracy on
// DATASET.TEST_SET with GT boxes (whatever TEST.USE_GT_BBOX says) and no augmentation, batches
// of TEST.BATCH_SIZE_PER_GPU x len(GPUS), on the flip-test output when TEST.FLIP_TEST (with
// TEST.SHIFT_HEATMAP) as the official validate() computes them. Returns metric "val_acc" and
// values val_loss, val_acc; no keypoint decoding and no AP (hrnet-eval's part). The records
// are loaded once, here.
ValidationHook loss_accuracy_validation(const cfg::Config& cfg, Device device);

}  // namespace hr::train
