// MPII Human Pose: the official MPIIDataset `db` (lib/dataset/mpii.py) from the authors'
// annot/<image_set>.json (a list of {image, center, scale, joints, joints_vis}).
#pragma once
#include <string>
#include <vector>

#include "datasets/record.h"

namespace hr::data {

// <root>/annot/<image_set>.json, images under <root>/images. For image_set "test" the joints
// are not read (zeros, joints_vis zeros), as officially.
std::vector<PoseRecord> load_mpii(const std::string& root, const std::string& image_set);

// Same from an explicit file and image folder.
//  - when center_x != -1: center_y += 15 * scale, scale *= 1.25
//  - then center -= 1 and joints -= 1 (1-based MATLAB to 0-based)
//  - scale is isotropic [s, s] (no aspect-ratio fix, unlike COCO)
//  - image_id = index in the file, score 1, area 0
std::vector<PoseRecord> load_mpii_file(const std::string& json_file, const std::string& image_dir,
                                       bool with_joints = true);

}  // namespace hr::data
