#include <catch2/catch.hpp>

#include <cmath>

#include "engine/engine.h"
#include "hrnet/pose_hrnet.h"
#include "support/tiny_hrnet.h"

using namespace hr;

namespace {
// conv -> bn, named the way the official Bottleneck/BasicBlock names its members.
class TinyBlock : public Module {
 public:
  TinyBlock() {
    conv1 = register_module("conv1", std::make_shared<Conv2d>(3, 4, 3, 1, false));
    bn1 = register_module("bn1", std::make_shared<BatchNorm2d>(4));
  }
  Var forward(const Var& x) { return ops::relu(bn1->forward(conv1->forward(x))); }
  std::shared_ptr<Conv2d> conv1;
  std::shared_ptr<BatchNorm2d> bn1;
};

class TinyNet : public Module {
 public:
  TinyNet() {
    block = register_module("layer1", std::make_shared<TinyBlock>());
    head = register_module("final_layer", std::make_shared<Conv2d>(4, 2, 1, 1, true));
  }
  std::shared_ptr<TinyBlock> block;
  std::shared_ptr<Conv2d> head;
};
}  // namespace

TEST_CASE("state_dict keys follow PyTorch's naming and order", "[module]") {
  TinyNet net;
  std::vector<std::string> keys;
  for (auto& [k, t] : net.state_dict()) keys.push_back(k);
  const std::vector<std::string> expected{
      "layer1.conv1.weight",      "layer1.bn1.weight",      "layer1.bn1.bias",
      "layer1.bn1.running_mean",  "layer1.bn1.running_var", "layer1.bn1.num_batches_tracked",
      "final_layer.weight",       "final_layer.bias"};
  CHECK(keys == expected);
  CHECK(net.named_parameters().size() == 5);
  CHECK(net.num_parameters() == 4 * 3 * 3 * 3 + 4 + 4 + 2 * 4 + 2);
}

TEST_CASE("train/eval propagates to children", "[module]") {
  TinyNet net;
  net.eval();
  CHECK_FALSE(net.block->bn1->is_training());
  net.train();
  CHECK(net.block->bn1->is_training());
}

TEST_CASE("official conv initialisation N(0, 0.001), bias 0", "[module]") {
  Conv2d c(64, 64, 3, 1, true);
  Rng rng(7);
  c.init_normal(rng, 0.001);
  const auto w = c.weight().value().to_vector<float>();
  double s = 0, s2 = 0;
  for (float v : w) { s += v; s2 += double(v) * v; }
  const double mean = s / w.size(), sd = std::sqrt(s2 / w.size() - mean * mean);
  CHECK(std::abs(mean) < 1e-4);
  CHECK(sd == Approx(0.001).epsilon(0.05));
  for (float v : c.bias().value().to_vector<float>()) CHECK(v == 0.0f);
}

TEST_CASE("a module trains: loss falls under Adam", "[module][optim]") {
  TinyBlock block;
  Rng rng(8);
  block.conv1->init_normal(rng, 0.1);
  Var x(randn(Shape{2, 6, 5, 3}, rng));
  Tensor target = rand_uniform(Shape{2, 6, 5, 4}, rng, 0.0, 1.0);
  Tensor weight = Tensor::full(Shape{2, 4}, 1.0);
  AdamOptions o;
  o.lr = 0.05;
  Adam adam(block.parameters(), o);
  double first = 0, last = 0;
  for (int step = 0; step < 30; ++step) {
    adam.zero_grad();
    Var loss = ops::joints_mse_loss(block.forward(x), target, weight);
    if (step == 0) first = loss.value().item();
    last = loss.value().item();
    loss.backward();
    adam.step();
  }
  CHECK(last < 0.5 * first);
}

// ---- eval-mode BN folding (engine/module.h conv_bn) ----------------------------------
namespace {

// Restores the process-wide folding switch however a test leaves.
struct FoldingSwitch {
  explicit FoldingSwitch(bool on) : prev(set_bn_folding(on)) {}
  ~FoldingSwitch() { set_bn_folding(prev); }
  bool prev;
};

// A BN whose running statistics and affine parameters are far from the identity.
void randomise_bn(BatchNorm2d& bn, Rng& rng, DType dt) {
  const Shape c{bn.channels};
  Var gamma = bn.weight(), beta = bn.bias();  // Var copies share the parameter's storage
  gamma.value().copy_from(randn(c, rng, 1.0, dt));
  beta.value().copy_from(randn(c, rng, 1.0, dt));
  bn.running_mean().copy_from(randn(c, rng, 2.0, dt));
  Tensor var = randn(c, rng, 1.0, DType::f64);
  for (int64_t i = 0; i < bn.channels; ++i) var.data<double>()[i] = 0.05 + std::abs(var.data<double>()[i]);
  bn.running_var().copy_from(var.to(dt));
}

double max_rel_diff(const Tensor& a, const Tensor& b) {
  const auto x = a.to(DType::f64).to_vector<double>(), y = b.to(DType::f64).to_vector<double>();
  REQUIRE(x.size() == y.size());
  double diff = 0, scale = 1e-300;
  for (size_t i = 0; i < x.size(); ++i) {
    diff = std::max(diff, std::abs(x[i] - y[i]));
    scale = std::max(scale, std::abs(y[i]));
  }
  return diff / scale;
}

double max_abs(const Tensor& a) {
  double m = 0;
  for (double v : a.to(DType::f64).to_vector<double>()) m = std::max(m, std::abs(v));
  return m;
}

}  // namespace

TEST_CASE("eval conv_bn folds BN into the conv and matches conv then bn", "[module][fold]") {
  for (DType dt : {DType::f32, DType::f64})
    for (int stride : {1, 2})
      for (bool bias : {false, true})
        for (bool relu : {false, true}) {
          CAPTURE(int(dt), stride, bias, relu);
          Rng rng(41 + stride);
          Conv2d conv(6, 9, 3, stride, bias);
          BatchNorm2d bn(9);
          conv.to(dt);
          bn.to(dt);
          conv.init_normal(rng, 0.3);
          if (bias) {
            Var b = conv.bias();
            b.value().copy_from(randn(Shape{9}, rng, 1.0, dt));
          }
          randomise_bn(bn, rng, dt);
          bn.eval();
          Var x(randn(Shape{2, 11, 7, 6}, rng, 1.0, dt));
          NoGradGuard no_grad;
          Tensor unfolded, folded;
          {
            FoldingSwitch off(false);
            unfolded = conv_bn(conv, bn, x, relu).value();
          }
          const int64_t before = bn_fold_count();
          folded = conv_bn(conv, bn, x, relu).value();
          CHECK(bn_fold_count() == before + 1);
          CHECK(max_rel_diff(folded, unfolded) < (dt == DType::f32 ? 1e-5 : 1e-12));
        }
}

TEST_CASE("conv_bn never folds in training or with gradients on", "[module][fold]") {
  Rng rng(5);
  Conv2d conv(3, 4, 3, 1, false);
  BatchNorm2d bn(4);
  conv.init_normal(rng, 0.5);
  randomise_bn(bn, rng, DType::f32);
  Var x(randn(Shape{2, 5, 5, 3}, rng));
  const int64_t before = bn_fold_count();

  // Training: the same numbers as conv then bn, and the BN counts its batch.
  const Tensor y = conv_bn(conv, bn, x).value();
  CHECK(bn.num_batches_tracked().data<int64_t>()[0] == 1);
  const Tensor y_plain = bn.forward(conv.forward(x)).value();
  CHECK(max_rel_diff(y, y_plain) == 0);

  // Eval with autograd on: gradients reach gamma and beta, so nothing may be folded.
  bn.eval();
  Var loss = ops::joints_mse_loss(conv_bn(conv, bn, x, true), Tensor::zeros(Shape{2, 5, 5, 4}),
                                  Tensor::full(Shape{2, 4}, 1.0));
  loss.backward();
  CHECK(bn.weight().grad().defined());
  CHECK(conv.weight().grad().defined());
  CHECK(bn_fold_count() == before);
}

TEST_CASE("a narrow HRNet in eval gives the same heatmaps folded and unfolded", "[module][fold][hrnet]") {
  net::PoseHighResolutionNet net(hr::test::tiny_hrnet_spec(5));
  Rng rng(9);
  net.init_weights(rng);
  for (auto& [name, m] : net.named_modules())
    if (auto* bn = dynamic_cast<BatchNorm2d*>(m)) randomise_bn(*bn, rng, DType::f32);
  net.eval();
  Var x(randn(Shape{2, 64, 32, 3}, rng));
  NoGradGuard no_grad;
  Tensor unfolded;
  {
    FoldingSwitch off(false);
    unfolded = net.forward(x).value();
  }
  const int64_t before = bn_fold_count();
  const Tensor folded = net.forward(x).value();
  CHECK(bn_fold_count() > before);
  CHECK(max_rel_diff(folded, unfolded) < 1e-5);
}

TEST_CASE("a narrow HRNet in eval gives the same heatmaps with one kernel per exchange output", "[module][fold][hrnet]") {
  // ops::exchange_unit on the CPU runs the kernel's serial definition: the network's glue
  // (which conv of each path, folding, order, broadcast factors) is what this checks; the
  // [cuda] tests check the kernel itself against the emulator.
  net::PoseHighResolutionNet net(hr::test::tiny_hrnet_spec(5));
  Rng rng(10);
  net.init_weights(rng);
  for (auto& [name, m] : net.named_modules()) {
    if (auto* bn = dynamic_cast<BatchNorm2d*>(m)) randomise_bn(*bn, rng, DType::f32);
    if (auto* conv = dynamic_cast<Conv2d*>(m)) conv->init_normal(rng, 0.2);
  }
  net.eval();
  Var x(randn(Shape{2, 64, 32, 3}, rng));
  NoGradGuard no_grad;
  const Tensor usual = net.forward(x).value();
  const int64_t before = ops::exchange_unit_count();
  Tensor fused;
  {
    ops::ForceExchangeUnitScope force(true);
    fused = net.forward(x).value();
  }
  // Stage 2: 2 outputs, stage 3: 3, stage 4 (one module, multi_scale_output false): 1.
  CHECK(ops::exchange_unit_count() == before + 6);
  INFO("max |heatmap| " << max_abs(usual));
  CHECK(max_abs(usual) > 1e-3);
  CHECK(max_rel_diff(fused, usual) < 1e-5);
}

TEST_CASE("a narrow HRNet trains the same bits with BN + ReLU recomputed, holding less", "[module][fusion][hrnet]") {
  // BasicBlock's and Bottleneck's inner BN + ReLU outputs are not kept for the backward
  // (ops::batch_norm_relu_conv2d): the step's loss, every gradient and the running statistics
  // must equal the path that keeps them, and the peak of live host tensors must drop.
  struct Step {
    Tensor out;
    std::vector<Tensor> grads, buffers;
    int64_t peak = 0;
  };
  struct RecomputeScope {
    bool prev;
    explicit RecomputeScope(bool on) : prev(set_bn_relu_recompute(on)) {}
    ~RecomputeScope() { set_bn_relu_recompute(prev); }
  };
  auto step = [](bool recompute) {
    RecomputeScope scope(recompute);
    net::PoseHighResolutionNet net(hr::test::tiny_hrnet_spec(5));
    Rng rng(12);
    net.init_weights(rng);
    for (auto& [name, m] : net.named_modules())
      if (auto* conv = dynamic_cast<Conv2d*>(m)) conv->init_normal(rng, 0.2);
    net.train();
    const Tensor x = randn(Shape{2, 64, 32, 3}, rng);
    host_reset_peak();
    const int64_t base = host_memory_stats().in_use;
    Step s;
    Var out = net.forward(Var(x));
    s.peak = host_memory_stats().peak_in_use - base;
    Rng seed(13);
    out.backward(randn(out.shape(), seed));
    s.out = out.value();
    for (auto& [name, p] : net.named_parameters()) s.grads.push_back(p.grad().clone());
    for (auto& [name, b] : net.named_buffers()) s.buffers.push_back(b.clone());
    return s;
  };
  const Step a = step(true), b = step(false);
  CHECK(max_rel_diff(a.out, b.out) == 0);
  REQUIRE(a.grads.size() == b.grads.size());
  for (size_t i = 0; i < a.grads.size(); ++i) {
    INFO("parameter " << i);
    CHECK(max_rel_diff(a.grads[i], b.grads[i]) == 0);
  }
  for (size_t i = 0; i < a.buffers.size(); ++i) CHECK(max_rel_diff(a.buffers[i], b.buffers[i]) == 0);
  INFO("forward peak of live host tensors: recomputed " << a.peak << " bytes, kept " << b.peak);
  CHECK(a.peak < b.peak);
}
