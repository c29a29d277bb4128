// MPII PCKh exactly as the official MPIIDataset.evaluate (lib/dataset/mpii.py) computes it,
// including its float behaviour and its quirks:
//  - predictions are the float32 0-based coordinates of get_final_preds; +1 is added in
//    float32 (the official all_preds array is float32), then everything is float64;
//  - head size = ||headbox corner 2 - corner 1|| * SC_BIAS (0.6); error = ||pred - gt|| /
//    head size, multiplied by the visibility (1 - jnt_missing), then compared with <=, so a
//    missing joint never counts and a visible joint with a zero head size (inf or NaN error)
//    counts as a miss;
//  - PCKh_j = (100 * hits_j) / visible_j, NaN when joint j has no visible instance (numpy's
//    0/0), which then propagates into Mean as it does officially;
//  - Shoulder .. Ankle are 0.5 * (left + right) of the two PCKh values;
//  - Mean = sum_j PCKh_j * visible_j / sum(visible) with pelvis (6) and thorax (7) masked out
//    of both sums (upper_neck, 8, stays in), summed in numpy's pairwise order so the value
//    is bit-identical;
//  - "Mean@0.1" is the same weighted mean at index 11 of np.arange(0, 0.51, 0.01), i.e. a
//    threshold of 0.11, not 0.1: the official bug (issue #167), kept so numbers compare.
#pragma once
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "datasets/eval/mpii/mpii_gt.h"

namespace hr::data {

struct PckhTable {
  static constexpr int kJoints = MpiiGroundTruth::kJoints;
  static constexpr int kMeanAt01Index = 11;  // the official index, threshold 0.11

  std::array<double, kJoints> pckh{};       // per joint at 0.5, in the ground truth's order
  std::array<double, kJoints> jnt_count{};  // visible instances per joint
  std::array<double, kJoints> jnt_ratio{};  // weight in Mean; 0 for pelvis and thorax
  std::vector<double> thresholds;           // np.arange(0, 0.5 + 0.01, 0.01): 51 values
  std::vector<std::array<double, kJoints>> pck_all;  // PCKh per threshold (official pckAll)

  double head = 0, shoulder = 0, elbow = 0, wrist = 0, hip = 0, knee = 0, ankle = 0;
  double mean = 0;         // the official perf_indicator
  double mean_at_0_1 = 0;  // "Mean@0.1" (threshold 0.11, see above)

  // The official name_value list: Head, Shoulder, Elbow, Wrist, Hip, Knee, Ankle, Mean,
  // Mean@0.1.
  std::vector<std::pair<std::string, double>> name_values() const;
};

// `preds_0based` holds N x 16 (x, y) in image order then joint order (the gt's joint order),
// 0-based as our decoder gives them; images in the order of annot/valid.json (load_mpii),
// which is gt_valid.mat's order. N must equal the ground truth's image count.
PckhTable evaluate_pckh(const MpiiGroundTruth& gt,
                        std::span<const std::array<float, 2>> preds_0based);

// The official markdown table (function.py `_print_name_value`), three lines:
//   | Arch | Head | Shoulder | ... | Mean@0.1 |
//   |---|---|...|
//   | <name> | 97.101 | ... |
// values with 3 decimals; a name longer than 15 characters is cut to 8 plus "...".
std::string format_pckh_table(const PckhTable& table, const std::string& full_arch_name);

// The official pred.mat: one single-precision array 'preds' of shape N x 16 x 2 holding the
// 1-based predictions (float32 pred + 1), written atomically.
void write_pred_mat(const std::string& path, std::span<const std::array<float, 2>> preds_0based);

}  // namespace hr::data
