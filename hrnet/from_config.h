// From an official experiment config to the objects built from it.
#pragma once
#include <memory>

#include "hrnet/config/config.h"
#include "hrnet/pose_hrnet.h"

namespace hr::net {

// MODEL.NUM_JOINTS, MODEL.EXTRA (FINAL_CONV_KERNEL, STAGE2..4) -> a network spec.
// Throws for a MODEL.NAME other than pose_hrnet or an IMAGE_SIZE the network cannot fuse.
HRNetSpec spec_from_config(const cfg::Config& cfg);

std::unique_ptr<PoseHighResolutionNet> build_network(const cfg::Config& cfg);

}  // namespace hr::net
