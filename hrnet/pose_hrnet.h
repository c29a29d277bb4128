// PoseHighResolutionNet (Sun et al., CVPR 2019) built from a spec, with parameter names equal to
// the official state_dict keys (lib/models/pose_hrnet.py): conv1, bn1, conv2, bn2, layer1,
// transition1, stage2, transition2, stage3, transition3, stage4, final_layer.
//
// The spec is plain data so this file does not depend on the YAML reader; hrnet/from_config.h
// turns an official config into a spec.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "engine/module.h"

namespace hr::net {

enum class BlockType { Basic, Bottleneck };

struct StageSpec {
  int num_modules = 1;
  int num_branches = 1;
  BlockType block = BlockType::Basic;
  std::vector<int> num_blocks;
  std::vector<int> num_channels;
};

struct HRNetSpec {
  int num_joints = 17;
  int final_conv_kernel = 1;
  StageSpec stage2, stage3, stage4;
};

// The official W32 / W48 layouts (stage2 1 module, stage3 4, stage4 3; 4 BasicBlocks per branch).
HRNetSpec official_spec(int width, int num_joints);

// Throws unless H/4 and W/4 are divisible by 8 (the 4 branches must line up when fused).
void check_input_size(int height, int width);

int block_expansion(BlockType b);

// A conv + BN (+ ReLU) unit, registered as a Sequential: [0] conv, [1] BN (ReLU owns no keys).
class ConvBn : public ModuleList {
 public:
  ConvBn(int in, int out, int kernel, int stride, bool relu);
  Var forward(const Var& x);
  // BN folded into the conv for an eval forward on x (engine/module.h folded_conv_bn).
  bool folded(const Var& x, Tensor& w, Tensor& b) const { return folded_conv_bn(*conv_, *bn_, x, w, b); }
  const Conv2d& conv() const { return *conv_; }
  const BatchNorm2d& bn() const { return *bn_; }
  bool relu() const { return relu_; }

 private:
  std::shared_ptr<Conv2d> conv_;
  std::shared_ptr<BatchNorm2d> bn_;
  bool relu_;
};

// BasicBlock: 3x3 conv-BN-ReLU, 3x3 conv-BN, + residual, ReLU.
class BasicBlock : public Module {
 public:
  BasicBlock(int inplanes, int planes, int stride, bool downsample);
  Var forward(const Var& x);

 private:
  std::shared_ptr<Conv2d> conv1_, conv2_;
  std::shared_ptr<BatchNorm2d> bn1_, bn2_;
  std::shared_ptr<ConvBn> downsample_;  // conv [0] + BN [1], or null
};

// Bottleneck (expansion 4): 1x1 conv-BN-ReLU, 3x3 conv-BN-ReLU, 1x1 conv-BN, + residual, ReLU.
class Bottleneck : public Module {
 public:
  Bottleneck(int inplanes, int planes, int stride, bool downsample);
  Var forward(const Var& x);

 private:
  std::shared_ptr<Conv2d> conv1_, conv2_, conv3_;
  std::shared_ptr<BatchNorm2d> bn1_, bn2_, bn3_;
  std::shared_ptr<ConvBn> downsample_;
};

// A chain of blocks (one branch, or layer1).
class BlockChain : public ModuleList {
 public:
  BlockChain(BlockType type, int inplanes, int planes, int blocks);
  Var forward(const Var& x);
  int out_channels() const { return out_channels_; }

 private:
  BlockType type_;
  int out_channels_;
};

// One exchange unit: parallel branches, then every output i sums f_ij(x_j) over all inputs j
// and applies ReLU (one fused pass, ops::fuse_sum_relu). f_ij: identity (j == i); 1x1 conv + BN +
// nearest upsample x2^(j-i) (j > i, the upsampling done by the fused sum);
// a chain of i-j stride-2 3x3 conv + BN, ReLU on all but the last (j < i).
class HighResolutionModule : public Module {
 public:
  HighResolutionModule(int num_branches, BlockType block, const std::vector<int>& num_blocks,
                       std::vector<int> in_channels, const std::vector<int>& num_channels,
                       bool multi_scale_output);
  std::vector<Var> forward(std::vector<Var> x);
  const std::vector<int>& out_channels() const { return in_channels_; }

 private:
  // Output branch i: ReLU of the sum over j of branch j brought to branch i's resolution.
  Var exchange_output(int i, const std::vector<Var>& x);
  // The same in one kernel (ops::exchange_unit) when selected for this eval forward; else
  // undefined. `inputs[j]` is what the last conv of term j reads, `last[j]` that conv + BN.
  Var fused_exchange_output(int i, const std::vector<Var>& x, const std::vector<Var>& inputs,
                            const std::vector<ConvBn*>& last);

  int num_branches_;
  bool multi_scale_output_;
  std::vector<int> in_channels_;
  std::shared_ptr<ModuleList> branches_;
  std::shared_ptr<ModuleList> fuse_layers_;
};

class PoseHighResolutionNet : public Module {
 public:
  explicit PoseHighResolutionNet(const HRNetSpec& spec);

  // x: [N, H, W, 3] (NHWC, normalised RGB) -> heatmaps [N, H/4, W/4, num_joints].
  Var forward(const Var& x);

  // The official init_weights: every conv N(0, 0.001) with bias 0, BN weight 1 and bias 0.
  void init_weights(Rng& rng);

  const HRNetSpec& spec() const { return spec_; }

 private:
  std::vector<Var> run_transition(ModuleList& transition, const std::vector<Var>& prev,
                                  int num_branches);
  std::shared_ptr<ModuleList> make_transition(const std::vector<int>& pre, const std::vector<int>& cur);
  std::shared_ptr<ModuleList> make_stage(const StageSpec& s, std::vector<int>& in_channels,
                                         bool multi_scale_output);

  HRNetSpec spec_;
  std::shared_ptr<Conv2d> conv1_, conv2_, final_layer_;
  std::shared_ptr<BatchNorm2d> bn1_, bn2_;
  std::shared_ptr<BlockChain> layer1_;
  std::shared_ptr<ModuleList> transition1_, transition2_, transition3_;
  std::shared_ptr<ModuleList> stage2_, stage3_, stage4_;
};

}  // namespace hr::net
