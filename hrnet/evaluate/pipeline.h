// The official testing pipeline (lib/core/function.py `validate` + COCODataset/MPIIDataset
// `evaluate`) over a whole test set:
//
//   records of DATASET.TEST_SET (COCO: GT boxes with TEST.USE_GT_BBOX, else the detections of
//   TEST.COCO_BBOX_FILE above TEST.IMAGE_THRE; MPII: annot/<set>.json), crops without
//   augmentation in batches of TEST.BATCH_SIZE_PER_GPU x len(GPUS), the network, the flip test
//   (TEST.FLIP_TEST, TEST.SHIFT_HEATMAP), get_final_preds (TEST.POST_PROCESS quarter offset, or
//   DARK on request), then
//   - COCO: rescoring (TEST.IN_VIS_THRE), OKS-NMS or soft-NMS (TEST.OKS_THRE, TEST.SOFT_NMS),
//     results/keypoints_<set>_results_0.json in the official format, and the keypoint AP/AR of
//     our COCO evaluator against annotations/person_keypoints_<set>.json;
//   - MPII: pred.mat (1-based, as officially) and PCKh against annot/gt_<set>.mat (or
//     gt_<set>.json); without that file the predictions are written and PCKh is skipped with
//     a message, as the official code does for the test split.
#pragma once
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "datasets/pipeline/loader.h"
#include "engine/dtype.h"
#include "engine/tensor.h"
#include "hrnet/config/config.h"
#include "hrnet/pose_hrnet.h"

namespace hr::evaluate {

struct EvalOptions {
  Device device = Device::CPU;
  std::filesystem::path output_dir;  // results/ and pred.mat go here (created)
  bool dark = false;                 // DARK refinement instead of TEST.POST_PROCESS
  int dark_kernel = 11;              // DARK's blur size (11 for sigma 2, 17 for sigma 3)
  int64_t max_samples = -1;          // evaluate only the first N records (< 0: all)
  std::FILE* progress = stderr;      // progress lines; nullptr: quiet
};

struct EvalSummary {
  std::string dataset;        // "coco" or "mpii"
  int64_t samples = 0;        // crops evaluated
  double seconds = 0;         // wall time of the whole pipeline
  std::string metric_name;    // "AP" (COCO), "PCKh" (MPII Mean), empty when not computed
  double metric = 0;          // higher is better
  std::vector<std::pair<std::string, double>> values;  // the official name_value list
  std::string table;          // the metric table as the official code prints it
  std::filesystem::path results_file;  // COCO results JSON, or MPII pred.mat
};

// Whether evaluate_model can compute the metric for this config: COCO val sets (not test-dev,
// whose GT is private), MPII when annot/gt_<set>.mat or .json exists.
bool metric_available(const cfg::Config& cfg);

// What produces the heatmaps of a batch: the network's output, NHWC [B, H_hm, W_hm, J] on any
// device, for the given NHWC input (the batch's, or its mirror image for the flip test).
// input_nhwc is already on options.device (uploaded one batch ahead); the result may be on
// either device.
using HeatmapFn = std::function<Tensor(const data::Batch& batch, const Tensor& input_nhwc)>;

// The pipeline with any heatmap source (tests feed the targets: a perfect network).
EvalSummary evaluate_heatmaps(const cfg::Config& cfg, const HeatmapFn& heatmaps,
                              const EvalOptions& options);

// Runs the network in eval mode with autograd off. Throws hr::Error for missing files, a
// config the pipeline cannot serve, and non-finite heatmaps (naming the image).
EvalSummary evaluate_model(const cfg::Config& cfg, net::PoseHighResolutionNet& net,
                           const EvalOptions& options);

}  // namespace hr::evaluate
