// Heatmap batches as the post-processing sees them: plain float32 arrays in PyTorch's
// [N][J][H][W] order (one contiguous H x W map per instance and joint, the layout the official
// numpy code indexes), and the per-joint result type shared by decoding, NMS and the results
// writer. The network produces NHWC engine tensors; heatmaps_to_nchw converts once per batch.
#pragma once
#include <cstddef>
#include <vector>

#include "engine/tensor.h"

namespace hr::data::post {

struct HeatmapShape {
  int n = 0;       // instances (batch)
  int joints = 0;  // J
  int height = 0;  // H
  int width = 0;   // W

  size_t map_size() const { return static_cast<size_t>(height) * width; }
  size_t numel() const { return static_cast<size_t>(n) * joints * map_size(); }
  // Offset of map (i, j) in an NCHW array.
  size_t map_offset(int i, int j) const {
    return (static_cast<size_t>(i) * joints + j) * map_size();
  }
  // Throws hr::Error naming `what` unless every size is positive.
  void validate(const char* what) const;
};

// One joint of one instance: a position (heatmap or image pixels, by context) and the heatmap
// maximum as its confidence. float, because the official keeps predictions in float32 arrays
// (all_preds) and writes those values to the results file.
struct KeypointPred {
  float x = 0.f;
  float y = 0.f;
  float score = 0.f;  // maxval
};

// An engine heatmap tensor, f32 [N, H, W, J] on the CPU (what PoseHighResolutionNet returns),
// copied into an NCHW array; `shape` receives the sizes.
std::vector<float> heatmaps_to_nchw(const Tensor& heatmaps_nhwc, HeatmapShape* shape);

}  // namespace hr::data::post
