#include <catch2/catch.hpp>

#include "engine/engine.h"

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
