#include "hrnet/pose_hrnet.h"

#include "engine/ops.h"

namespace hr::net {

int block_expansion(BlockType b) { return b == BlockType::Bottleneck ? 4 : 1; }

HRNetSpec official_spec(int width, int num_joints) {
  const int c = width;
  HRNetSpec s;
  s.num_joints = num_joints;
  s.final_conv_kernel = 1;
  s.stage2 = {1, 2, BlockType::Basic, {4, 4}, {c, 2 * c}};
  s.stage3 = {4, 3, BlockType::Basic, {4, 4, 4}, {c, 2 * c, 4 * c}};
  s.stage4 = {3, 4, BlockType::Basic, {4, 4, 4, 4}, {c, 2 * c, 4 * c, 8 * c}};
  return s;
}

void check_input_size(int height, int width) {
  HR_CHECK(height > 0 && width > 0 && height % 32 == 0 && width % 32 == 0,
           "HRNet input {}x{} (HxW): H/4 and W/4 must be divisible by 8 (H and W multiples of 32) "
           "so that the four branches line up when they are fused, e.g. 256x192 or 384x288",
           height, width);
}

// ---- ConvBn ---------------------------------------------------------------------------
ConvBn::ConvBn(int in, int out, int kernel, int stride, bool relu) : relu_(relu) {
  conv_ = add(0, std::make_shared<Conv2d>(in, out, kernel, stride, false));
  bn_ = add(1, std::make_shared<BatchNorm2d>(out));
}

Var ConvBn::forward(const Var& x) {
  return conv_bn(*conv_, *bn_, x, relu_);
}

// ---- blocks ---------------------------------------------------------------------------
BasicBlock::BasicBlock(int inplanes, int planes, int stride, bool downsample) {
  conv1_ = register_module("conv1", std::make_shared<Conv2d>(inplanes, planes, 3, stride, false));
  bn1_ = register_module("bn1", std::make_shared<BatchNorm2d>(planes));
  conv2_ = register_module("conv2", std::make_shared<Conv2d>(planes, planes, 3, 1, false));
  bn2_ = register_module("bn2", std::make_shared<BatchNorm2d>(planes));
  if (downsample) downsample_ = register_module("downsample", std::make_shared<ConvBn>(inplanes, planes, 1, stride, false));
}

Var BasicBlock::forward(const Var& x) {
  if (bn1_->is_training()) {
    // conv2(relu(bn1(conv1(x)))) without keeping relu(bn1(.)) for the backward (recomputed).
    const Var z2 = bn1_->forward_relu_conv(conv1_->forward(x), *conv2_);
    return bn2_->forward_act(z2, downsample_ ? downsample_->forward(x) : x, /*relu=*/true);
  }
  Var out = conv_bn(*conv1_, *bn1_, x, /*relu=*/true);
  return conv_bn(*conv2_, *bn2_, out, /*relu=*/true, downsample_ ? downsample_->forward(x) : x);
}

Bottleneck::Bottleneck(int inplanes, int planes, int stride, bool downsample) {
  const int out = planes * 4;
  conv1_ = register_module("conv1", std::make_shared<Conv2d>(inplanes, planes, 1, 1, false));
  bn1_ = register_module("bn1", std::make_shared<BatchNorm2d>(planes));
  conv2_ = register_module("conv2", std::make_shared<Conv2d>(planes, planes, 3, stride, false));
  bn2_ = register_module("bn2", std::make_shared<BatchNorm2d>(planes));
  conv3_ = register_module("conv3", std::make_shared<Conv2d>(planes, out, 1, 1, false));
  bn3_ = register_module("bn3", std::make_shared<BatchNorm2d>(out));
  if (downsample) downsample_ = register_module("downsample", std::make_shared<ConvBn>(inplanes, out, 1, stride, false));
}

Var Bottleneck::forward(const Var& x) {
  if (bn1_->is_training()) {
    // As BasicBlock: the two inner BN + ReLU outputs each feed one conv only, so neither is kept.
    const Var z2 = bn1_->forward_relu_conv(conv1_->forward(x), *conv2_);
    const Var z3 = bn2_->forward_relu_conv(z2, *conv3_);
    return bn3_->forward_act(z3, downsample_ ? downsample_->forward(x) : x, /*relu=*/true);
  }
  Var out = conv_bn(*conv1_, *bn1_, x, /*relu=*/true);
  out = conv_bn(*conv2_, *bn2_, out, /*relu=*/true);
  return conv_bn(*conv3_, *bn3_, out, /*relu=*/true, downsample_ ? downsample_->forward(x) : x);
}

// The official _make_layer / _make_one_branch: a projection shortcut on the first block when
// the channel count changes (all strides are 1 in HRNet).
BlockChain::BlockChain(BlockType type, int inplanes, int planes, int blocks)
    : type_(type), out_channels_(planes * block_expansion(type)) {
  for (int b = 0; b < blocks; ++b) {
    const int in = b == 0 ? inplanes : out_channels_;
    const bool down = b == 0 && inplanes != out_channels_;
    if (type == BlockType::Basic)
      add(b, std::make_shared<BasicBlock>(in, planes, 1, down));
    else
      add(b, std::make_shared<Bottleneck>(in, planes, 1, down));
  }
}

Var BlockChain::forward(const Var& x) {
  Var y = x;
  for (size_t b = 0; b < size(); ++b) {
    if (type_ == BlockType::Basic)
      y = get<BasicBlock>(int(b))->forward(y);
    else
      y = get<Bottleneck>(int(b))->forward(y);
  }
  return y;
}

// ---- exchange unit ----------------------------------------------------------------------
HighResolutionModule::HighResolutionModule(int num_branches, BlockType block,
                                           const std::vector<int>& num_blocks,
                                           std::vector<int> in_channels,
                                           const std::vector<int>& num_channels,
                                           bool multi_scale_output)
    : num_branches_(num_branches), multi_scale_output_(multi_scale_output),
      in_channels_(std::move(in_channels)) {
  HR_CHECK(int(num_blocks.size()) == num_branches && int(num_channels.size()) == num_branches &&
               int(in_channels_.size()) == num_branches,
           "HighResolutionModule: NUM_BRANCHES {} but NUM_BLOCKS has {}, NUM_CHANNELS {} and the "
           "inputs {} entries",
           num_branches, num_blocks.size(), num_channels.size(), in_channels_.size());
  branches_ = register_module("branches", std::make_shared<ModuleList>());
  for (int b = 0; b < num_branches; ++b) {
    auto chain = std::make_shared<BlockChain>(block, in_channels_[b], num_channels[b], num_blocks[b]);
    in_channels_[b] = chain->out_channels();
    branches_->add(b, chain);
  }
  if (num_branches == 1) return;  // a single branch has no fuse layers (and no final ReLU)
  fuse_layers_ = register_module("fuse_layers", std::make_shared<ModuleList>());
  const int outputs = multi_scale_output ? num_branches : 1;
  const std::vector<int>& C = in_channels_;
  for (int i = 0; i < outputs; ++i) {
    auto row = fuse_layers_->add(i, std::make_shared<ModuleList>());
    for (int j = 0; j < num_branches; ++j) {
      if (j > i) {
        row->add(j, std::make_shared<ConvBn>(C[j], C[i], 1, 1, false));  // + Upsample [2]
      } else if (j < i) {
        auto chain = row->add(j, std::make_shared<ModuleList>());
        for (int k = 0; k < i - j; ++k) {
          const bool last = k == i - j - 1;
          chain->add(k, std::make_shared<ConvBn>(C[j], last ? C[i] : C[j], 3, 2, /*relu=*/!last));
        }
      }
    }
  }
}

// Term j of output i at its own resolution: the 1x1 conv + BN output stays at branch j's
// (lower) resolution; fuse_sum_relu broadcasts it, so no upsampled tensor is materialised.
Var HighResolutionModule::exchange_output(int i, const std::vector<Var>& x) {
  // Term j reaches branch i's resolution through one conv + BN (a 1x1 for j > i, the last
  // stride-2 3x3 of the down chain for j < i); the chain's earlier convs run here.
  auto* row = fuse_layers_->get<ModuleList>(i);
  std::vector<Var> inputs(static_cast<size_t>(num_branches_));
  std::vector<ConvBn*> last(static_cast<size_t>(num_branches_), nullptr);
  for (int j = 0; j < num_branches_; ++j) {
    if (j == i) continue;
    Var in = x[size_t(j)];
    if (j > i) {
      last[size_t(j)] = row->get<ConvBn>(j);
    } else {
      auto* chain = row->get<ModuleList>(j);
      for (int k = 0; k + 1 < i - j; ++k) in = chain->get<ConvBn>(k)->forward(in);
      last[size_t(j)] = chain->get<ConvBn>(i - j - 1);
    }
    inputs[size_t(j)] = in;
  }
  if (const Var fused = fused_exchange_output(i, x, inputs, last); fused.defined()) return fused;
  // Summed in the official order j = 0, 1, 2, ... (left to right), then the ReLU: one pass,
  // the same bits as upsample + add ... add_relu.
  std::vector<Var> terms;
  std::vector<int> factors;
  for (int j = 0; j < num_branches_; ++j) {
    terms.push_back(j == i ? x[size_t(j)] : last[size_t(j)]->forward(inputs[size_t(j)]));
    factors.push_back(j > i ? 1 << (j - i) : 1);
  }
  return ops::fuse_sum_relu(terms, factors);
}

Var HighResolutionModule::fused_exchange_output(int i, const std::vector<Var>& x, const std::vector<Var>& inputs,
                                                const std::vector<ConvBn*>& last) {
  if (grad_enabled() || x[size_t(i)].value().dtype() != DType::f32) return Var();
  // Ask first with the unfolded weights (the shapes are what counts), fold only if chosen.
  std::vector<ops::UnitTermInput> terms(static_cast<size_t>(num_branches_));
  for (int j = 0; j < num_branches_; ++j) {
    ops::UnitTermInput& t = terms[size_t(j)];
    if (j == i) {
      t.x = x[size_t(j)].value();
      continue;
    }
    const ConvBn& cb = *last[size_t(j)];
    if (cb.relu() || cb.bn().is_training()) return Var();
    t.x = inputs[size_t(j)].value();
    t.w = cb.conv().weight().value();
    t.bias = cb.bn().bias().value();
    t.stride = cb.conv().stride;
    t.log2_up = j > i ? j - i : 0;
  }
  const Shape out = x[size_t(i)].value().shape();
  if (!ops::exchange_unit_selected(terms, out)) return Var();
  for (int j = 0; j < num_branches_; ++j)
    if (j != i && !last[size_t(j)]->folded(inputs[size_t(j)], terms[size_t(j)].w, terms[size_t(j)].bias)) return Var();
  return Var(ops::exchange_unit(terms, out));
}

std::vector<Var> HighResolutionModule::forward(std::vector<Var> x) {
  HR_CHECK(int(x.size()) == num_branches_, "HighResolutionModule expects {} inputs, got {}",
           num_branches_, x.size());
  for (int b = 0; b < num_branches_; ++b) x[b] = branches_->get<BlockChain>(b)->forward(x[b]);
  if (num_branches_ == 1) return x;
  std::vector<Var> out;
  const int outputs = multi_scale_output_ ? num_branches_ : 1;
  for (int i = 0; i < outputs; ++i) out.push_back(exchange_output(i, x));
  return out;
}

// ---- the network ------------------------------------------------------------------------
PoseHighResolutionNet::PoseHighResolutionNet(const HRNetSpec& spec) : spec_(spec) {
  HR_CHECK(spec.final_conv_kernel == 1 || spec.final_conv_kernel == 3,
           "FINAL_CONV_KERNEL must be 1 or 3, got {}", spec.final_conv_kernel);
  conv1_ = register_module("conv1", std::make_shared<Conv2d>(3, 64, 3, 2, false));
  bn1_ = register_module("bn1", std::make_shared<BatchNorm2d>(64));
  conv2_ = register_module("conv2", std::make_shared<Conv2d>(64, 64, 3, 2, false));
  bn2_ = register_module("bn2", std::make_shared<BatchNorm2d>(64));
  layer1_ = register_module("layer1", std::make_shared<BlockChain>(BlockType::Bottleneck, 64, 64, 4));

  std::vector<int> pre{layer1_->out_channels()};
  auto stage_channels = [](const StageSpec& s) {
    std::vector<int> c = s.num_channels;
    for (int& v : c) v *= block_expansion(s.block);
    return c;
  };
  std::vector<int> cur = stage_channels(spec.stage2);
  transition1_ = register_module("transition1", make_transition(pre, cur));
  stage2_ = register_module("stage2", make_stage(spec.stage2, cur, true));
  pre = cur;
  cur = stage_channels(spec.stage3);
  transition2_ = register_module("transition2", make_transition(pre, cur));
  stage3_ = register_module("stage3", make_stage(spec.stage3, cur, true));
  pre = cur;
  cur = stage_channels(spec.stage4);
  transition3_ = register_module("transition3", make_transition(pre, cur));
  stage4_ = register_module("stage4", make_stage(spec.stage4, cur, false));
  final_layer_ = register_module(
      "final_layer", std::make_shared<Conv2d>(cur[0], spec.num_joints, spec.final_conv_kernel, 1, true));
}

// The official _make_transition_layer: an existing branch whose width changes gets a 3x3 conv;
// a new branch is a chain of stride-2 3x3 convs from the last previous branch, every link with
// BN and ReLU; an unchanged branch is a None entry (its index is skipped).
std::shared_ptr<ModuleList> PoseHighResolutionNet::make_transition(const std::vector<int>& pre,
                                                                   const std::vector<int>& cur) {
  auto t = std::make_shared<ModuleList>();
  const int n_pre = int(pre.size());
  for (int i = 0; i < int(cur.size()); ++i) {
    if (i < n_pre) {
      if (cur[i] != pre[i]) t->add(i, std::make_shared<ConvBn>(pre[i], cur[i], 3, 1, true));
      continue;
    }
    auto chain = t->add(i, std::make_shared<ModuleList>());
    for (int k = 0; k < i + 1 - n_pre; ++k) {
      const int in = pre.back();
      const int out = k == i - n_pre ? cur[i] : in;
      chain->add(k, std::make_shared<ConvBn>(in, out, 3, 2, true));
    }
  }
  return t;
}

std::shared_ptr<ModuleList> PoseHighResolutionNet::make_stage(const StageSpec& s,
                                                              std::vector<int>& in_channels,
                                                              bool multi_scale_output) {
  HR_CHECK(s.num_modules >= 1, "a stage needs at least one module, got NUM_MODULES {}", s.num_modules);
  auto stage = std::make_shared<ModuleList>();
  for (int m = 0; m < s.num_modules; ++m) {
    // Only the last module of the last stage drops the multi-scale output.
    const bool multi = multi_scale_output || m < s.num_modules - 1;
    auto mod = std::make_shared<HighResolutionModule>(s.num_branches, s.block, s.num_blocks,
                                                      in_channels, s.num_channels, multi);
    in_channels = mod->out_channels();
    stage->add(m, mod);
  }
  return stage;
}

std::vector<Var> PoseHighResolutionNet::run_transition(ModuleList& transition,
                                                       const std::vector<Var>& prev, int num_branches) {
  std::vector<Var> out;
  for (int i = 0; i < num_branches; ++i) {
    Module* t = transition.at(i);
    const bool existing = i < int(prev.size());
    if (t == nullptr) {
      out.push_back(prev[i]);
    } else if (auto* cb = dynamic_cast<ConvBn*>(t); cb != nullptr && existing) {
      out.push_back(cb->forward(prev[i]));
    } else {
      auto* chain = dynamic_cast<ModuleList*>(t);
      Var y = prev.back();
      for (size_t k = 0; k < chain->size(); ++k) y = chain->get<ConvBn>(int(k))->forward(y);
      out.push_back(y);
    }
  }
  return out;
}

static std::vector<Var> run_stage(ModuleList& stage, std::vector<Var> x) {
  for (size_t m = 0; m < stage.size(); ++m) x = stage.get<HighResolutionModule>(int(m))->forward(x);
  return x;
}

Var PoseHighResolutionNet::forward(const Var& x) {
  const Shape& s = x.shape();
  HR_CHECK(s.ndim() == 4 && s[3] == 3, "HRNet input must be [N, H, W, 3] (NHWC RGB), got {}",
           x.value().desc());
  check_input_size(int(s[1]), int(s[2]));
  Var y = conv_bn(*conv1_, *bn1_, x, /*relu=*/true);
  y = conv_bn(*conv2_, *bn2_, y, /*relu=*/true);
  y = layer1_->forward(y);
  std::vector<Var> ys = run_transition(*transition1_, {y}, spec_.stage2.num_branches);
  ys = run_stage(*stage2_, ys);
  ys = run_stage(*stage3_, run_transition(*transition2_, ys, spec_.stage3.num_branches));
  ys = run_stage(*stage4_, run_transition(*transition3_, ys, spec_.stage4.num_branches));
  return final_layer_->forward(ys[0]);
}

void PoseHighResolutionNet::init_weights(Rng& rng) {
  // Module order (named_modules) fixes the order of the random draws: deterministic per seed.
  for (auto& [name, m] : named_modules()) {
    if (auto* c = dynamic_cast<Conv2d*>(m)) c->init_normal(rng, 0.001);
    if (auto* bn = dynamic_cast<BatchNorm2d*>(m)) {
      Var w = bn->weight(), bias = bn->bias();
      w.value().copy_from(Tensor::full(w.shape(), 1.0, w.dtype()).to(w.device()));
      bias.value().zero_();
    }
  }
}

}  // namespace hr::net
