// hrnet-train's validation through the full evaluation pipeline: every epoch the official
// COCO AP (or MPII PCKh) on DATASET.TEST_SET, written under <output>/epoch_<N>/ like the
// official per-epoch results, and model_best selected by it.
#pragma once
#include <filesystem>

#include "hrnet/train/validation.h"

namespace hr::evaluate {

// GT or detection boxes per TEST.USE_GT_BBOX (the official per-epoch validation uses the
// config as given). Where the metric cannot be computed (metric_available() false: MPII
// without gt_<set>.mat, a test-dev set) the hook is train::loss_accuracy_validation instead,
// named honestly ("val_acc").
train::ValidationHook full_validation(const cfg::Config& cfg, Device device,
                                      std::filesystem::path output_dir);

}  // namespace hr::evaluate
