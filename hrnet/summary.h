// Parameters and multiply-adds of a network, per top-level group (conv1, bn1, ..., stage2, ...,
// final_layer), counted the way the official get_model_summary counts them: conv layers only,
// MACs = output elements x kernel x kernel x input channels (+ nothing for the bias).
// The official README's "GFLOPs" are these MACs divided by 2^30.
#pragma once
#include <string>
#include <vector>

#include "hrnet/pose_hrnet.h"

namespace hr::net {

struct GroupStats {
  std::string name;
  int64_t params = 0;
  int64_t macs = 0;
  int convs = 0;
};

struct ModelSummary {
  int height = 0, width = 0;
  std::vector<GroupStats> groups;
  int64_t total_params = 0;
  int64_t total_macs = 0;
  int total_convs = 0;
  double gmacs_2_30() const { return double(total_macs) / double(1 << 30); }
};

// Counts at batch 1 for an input of height x width; runs the network's forward with the
// convolution arithmetic skipped, so it is instant at any size.
ModelSummary summarize(PoseHighResolutionNet& net, int height, int width);

std::string format_summary(const ModelSummary& s);

}  // namespace hr::net
