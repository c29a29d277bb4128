#include "hrnet/from_config.h"

#include "engine/error.h"

namespace hr::net {
namespace {

StageSpec stage_from_config(const cfg::StageConfig& s, const char* name) {
  HR_CHECK(s.block == "BASIC" || s.block == "BOTTLENECK", "MODEL.EXTRA.{}.BLOCK must be BASIC or BOTTLENECK, got {}",
           name, s.block);
  StageSpec out;
  out.num_modules = s.num_modules;
  out.num_branches = s.num_branches;
  out.block = s.block == "BASIC" ? BlockType::Basic : BlockType::Bottleneck;
  out.num_blocks = s.num_blocks;
  out.num_channels = s.num_channels;
  return out;
}

}  // namespace

HRNetSpec spec_from_config(const cfg::Config& cfg) {
  HR_CHECK(cfg.model.name == "pose_hrnet", "MODEL.NAME {} is not supported: this engine builds pose_hrnet",
           cfg.model.name);
  check_input_size(cfg.model.image_size.height, cfg.model.image_size.width);
  HRNetSpec spec;
  spec.num_joints = cfg.model.num_joints;
  spec.final_conv_kernel = cfg.model.extra.final_conv_kernel;
  spec.stage2 = stage_from_config(cfg.model.extra.stage2, "STAGE2");
  spec.stage3 = stage_from_config(cfg.model.extra.stage3, "STAGE3");
  spec.stage4 = stage_from_config(cfg.model.extra.stage4, "STAGE4");
  return spec;
}

std::unique_ptr<PoseHighResolutionNet> build_network(const cfg::Config& cfg) {
  return std::make_unique<PoseHighResolutionNet>(spec_from_config(cfg));
}

}  // namespace hr::net
