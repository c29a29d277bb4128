// One training or evaluation sample before augmentation: what the official JointsDataset
// keeps per person in its `db` (lib/dataset/coco.py, mpii.py).
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace hr::data {

struct PoseRecord {
  std::string image;                // path to the image file
  int64_t image_id = 0;             // COCO image id (MPII: index in the annotation file)
  std::array<double, 2> center{};   // person centre in image pixels (x, y), 0-based
  std::array<double, 2> scale{};    // box size / pixel_std (200), already x1.25 (MPII x1.25 too)
  std::vector<std::array<double, 3>> joints;      // J x (x, y, 0), 0-based pixels
  std::vector<std::array<double, 3>> joints_vis;  // J x (v, v, 0) with v in {0, 1}
  double score = 1.0;               // detector score (1 for GT boxes)
  double area = 0.0;                // COCO: annotation area (GT) or 0 (detections)
};

// The official skeleton facts.
struct JointSet {
  int num_joints;
  std::vector<std::pair<int, int>> flip_pairs;  // left/right joint pairs
  std::vector<int> upper_body;                  // joint ids used by half-body augmentation
  std::vector<int> lower_body;
};

const JointSet& coco_joints();  // 17 joints
const JointSet& mpii_joints();  // 16 joints

}  // namespace hr::data
