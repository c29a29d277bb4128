// The MPII validation ground truth the official evaluate reads from annot/gt_valid.mat
// (lib/dataset/mpii.py): dataset_joints, jnt_missing, pos_gt_src, headboxes_src, kept in
// the .mat's own layout (MATLAB column-major, 1-based pixel coordinates).
//
// It loads from the .mat itself (our MAT v5 reader) or from a JSON file holding the same
// arrays as nested lists in the .mat's index order, i.e. what numpy's tolist() gives for
// scipy.io.loadmat's arrays:
//   {
//     "dataset_joints": ["rank", "rkne", ...],        optional, 16 names
//     "jnt_missing":   [[m_j0_n0, m_j0_n1, ...], ...], 16 lists of N (0 = visible, 1 = missing)
//     "pos_gt_src":    [[[x...N], [y...N]], ...],     16 x 2 x N
//     "headboxes_src": [[[x1...N], [y1...N]], [[x2...N], [y2...N]]]   2 x 2 x N
//   }
// JSON null stands for NaN (JSON has no NaN). Without dataset_joints the official file's
// order is assumed (mpii_default_joint_names()).
//
// Values are converted to double when loaded. numpy subtracts head-box corners in the file's
// own class, which differs only for an unsigned integer class with corner 2 < corner 1
// (wrap-around); gt_valid.mat stores doubles.
#pragma once
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "datasets/eval/mpii/mat_v5.h"

namespace hr::data {

struct MpiiGroundTruth {
  static constexpr int kJoints = 16;
  std::string source;                    // the file it came from, for messages
  std::vector<std::string> joint_names;  // dataset_joints (16 names)
  int64_t num_images = 0;                // N
  std::vector<double> jnt_missing;       // 16 x N: [j + 16 n], values 0 or 1
  std::vector<double> pos_gt_src;        // 16 x 2 x N: [j + 16 (c + 2 n)], c = 0 x, 1 y
  std::vector<double> headboxes_src;     // 2 x 2 x N: [k + 2 (c + 2 n)], k = corner 1, 2

  double missing(int j, int64_t n) const { return jnt_missing[j + kJoints * n]; }
  double pos(int j, int c, int64_t n) const { return pos_gt_src[j + kJoints * (c + 2 * n)]; }
  double headbox(int corner, int c, int64_t n) const {
    return headboxes_src[corner + 2 * (c + 2 * n)];
  }
  // Index of a joint by its dataset_joints name ("head", "lsho", ...); an error when absent.
  int joint_index(const std::string& name) const;
};

// The names of the official gt_valid.mat, in our 16-joint order (r_ankle .. l_wrist).
const std::vector<std::string>& mpii_default_joint_names();

// From a parsed .mat. Checks shapes (16xN, 16x2xN, 2x2xN; the trailing singleton dimension
// MATLAB drops for N = 1 is accepted), numeric classes, and that jnt_missing is 0 or 1
// (the official code computes 1 - jnt_missing, meaningless for other values).
MpiiGroundTruth mpii_gt_from_mat(const mat::MatFile& file);

// From the JSON format above: a parsed document (`source` names it in errors), or a file.
MpiiGroundTruth mpii_gt_from_json(const nlohmann::json& root, const std::string& source);
MpiiGroundTruth mpii_gt_from_json_file(const std::string& path);

// By file name: *.json as JSON, anything else as a MAT v5 file.
MpiiGroundTruth load_mpii_gt(const std::string& path);

}  // namespace hr::data
