// Loading a weight file (.pth or .safetensors) into a network, as the apps do it.
#pragma once
#include <string>

#include "hrnet/config/config.h"
#include "hrnet/weights.h"

namespace hr::net {

// Reads any weight file the engine knows (format sniffed from the contents; a checkpoint
// dict's 'state_dict' / 'best_state_dict' selected, a 'module.' prefix stripped) and loads
// it with `options`. Returns the report; throws naming the file on any mismatch.
LoadReport load_weights_into(Module& net, const std::string& path, const LoadOptions& options = {});

// The official init_weights' second half: when MODEL.PRETRAINED names a file (an ImageNet
// HRNet classification checkpoint such as hrnet_w32-36af842e.pth), copy the keys whose first
// component is in MODEL.EXTRA.PRETRAINED_LAYERS, non-strictly: the classifier's extra keys
// (incre_modules, downsamp_modules, classifier, its final_layer, and the stage4.2 fuse layers
// the pose net does not have) are ignored, as officially. A shape mismatch is still an error.
// Returns the report (empty when MODEL.PRETRAINED is empty); a missing file is an error,
// where the official code silently trains from scratch.
LoadReport load_pretrained(Module& net, const cfg::Config& cfg);

}  // namespace hr::net
