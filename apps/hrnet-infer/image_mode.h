// hrnet-infer --image: keypoints for a user's own picture. Person boxes come from a JSON file
// (a list of {"bbox": [x, y, w, h], "score": s} as COCO detection results hold them, or of
// plain [x, y, w, h]) or, without one, the whole image is one box. Each box becomes the
// official test crop (aspect-ratio fix, x1.25, no rotation), the network runs with the
// config's flip test and post-processing, and the keypoints go back to image coordinates.
// Writes the picture with boxes and COCO (or MPII) skeletons drawn over it, and a JSON list
// of {bbox, box_score, score (rescored as COCO evaluation does), keypoints [x, y, s] * J}.
#pragma once
#include <string>

#include "engine/dtype.h"
#include "hrnet/config/config.h"
#include "hrnet/pose_hrnet.h"

namespace hr::app::infer {

struct ImageJob {
  std::string image;      // JPEG or PNG
  std::string boxes;      // optional boxes JSON
  std::string out_png;    // optional picture
  std::string out_json;   // optional keypoints JSON
  double box_thre = 0.0;  // boxes with a lower score are skipped
};

// Returns the number of people written.
int run_image(const cfg::Config& cfg, net::PoseHighResolutionNet& net, Device device,
              const ImageJob& job);

}  // namespace hr::app::infer
