// checkpoint.safetensors round trip: weights, BN statistics, optimizer state (Adam moments and
// step counts, SGD momentum), the generator and the trainer's scalars all come back exactly,
// so that the next step after a reload equals the next step without one.
#include <catch2/catch.hpp>

#include "engine/engine.h"
#include "engine/io/safetensors.h"
#include "hrnet/from_config.h"
#include "hrnet/load_weights.h"
#include "hrnet/train/checkpoint.h"
#include "train_fixture.h"

using namespace hr;
namespace fs = std::filesystem;

namespace {

// One training step on fixed random data (no loader: this test is about the state).
void one_step(net::PoseHighResolutionNet& net, Optimizer& opt, uint64_t data_seed, const std::string& skip = "") {
  Rng r(data_seed);
  const Tensor x = randn(Shape{2, 64, 32, 3}, r);
  const Tensor t = rand_uniform(Shape{2, 16, 8, 17}, r, 0.0, 1.0);
  const Tensor w = Tensor::full(Shape{2, 17}, 1.0);
  opt.zero_grad();
  ops::joints_mse_loss(net.forward(Var(x)), t, w).backward();
  // A parameter without a gradient keeps no optimizer state (PyTorch's lazy state).
  for (auto& [k, p] : net.named_parameters())
    if (k == skip) p.zero_grad();
  opt.step();
}

void require_same_state(Module& a, Module& b) {
  const auto sa = a.state_dict(), sb = b.state_dict();
  REQUIRE(sa.size() == sb.size());
  for (size_t i = 0; i < sa.size(); ++i) {
    INFO(sa[i].first);
    REQUIRE(sa[i].first == sb[i].first);
    if (sa[i].second.dtype() == DType::i64)
      CHECK(sa[i].second.to_vector<int64_t>() == sb[i].second.to_vector<int64_t>());
    else
      CHECK(sa[i].second.to_vector<float>() == sb[i].second.to_vector<float>());
  }
}

std::vector<Var> params_of(Module& m) {
  std::vector<Var> p;
  for (auto& [k, v] : m.named_parameters()) p.push_back(v);
  return p;
}

}  // namespace

TEST_CASE("an Adam checkpoint restores weights, moments, steps, generator and scalars", "[train][checkpoint]") {
  test::TempDir tmp("ckpt");
  const cfg::Config c = test::tiny_config(tmp.path);
  auto net = net::build_network(c);
  Rng rng(3);
  net->init_weights(rng);
  Adam adam(params_of(*net));
  const std::string skipped = "final_layer.bias";
  one_step(*net, adam, 100, skipped);
  one_step(*net, adam, 101, skipped);
  rng.normal();  // leaves a cached spare sample in the generator state

  train::TrainingState st;
  st.epoch = 3;
  st.batch = 2;
  st.global_step = 17;
  st.lr_last_epoch = 4;
  st.seed = 0xFFFFFFFFFFFFFFF1ull;  // a seed above INT64_MAX must survive
  st.rng = rng.state();
  st.has_best = true;
  st.best_metric = 0.1 + 0.2;  // not exactly representable in few digits
  st.best_epoch = 2;
  st.metric_name = "val_acc";
  st.loss_sum = 1.0 / 3.0;
  st.loss_count = 8;
  st.acc_sum = 2.0 / 7.0;
  st.acc_count = 11;
  st.history = R"([{"epoch":0,"train_loss":0.5}])";
  const std::string path = (tmp.path / "checkpoint.safetensors").string();
  train::save_checkpoint(path, *net, adam, st);

  auto net2 = net::build_network(c);
  Rng other(99);
  net2->init_weights(other);
  Adam adam2(params_of(*net2));
  const train::TrainingState back = train::load_checkpoint(path, *net2, adam2);

  require_same_state(*net, *net2);
  REQUIRE(adam.exp_avg().size() == adam2.exp_avg().size());
  const auto names = net->named_parameters();
  for (size_t i = 0; i < adam.exp_avg().size(); ++i) {
    INFO(names[i].first);
    CHECK(adam.steps()[i] == adam2.steps()[i]);
    CHECK(adam.exp_avg()[i].defined() == adam2.exp_avg()[i].defined());
    if (!adam.exp_avg()[i].defined()) continue;
    CHECK(adam.exp_avg()[i].to_vector<float>() == adam2.exp_avg()[i].to_vector<float>());
    CHECK(adam.exp_avg_sq()[i].to_vector<float>() == adam2.exp_avg_sq()[i].to_vector<float>());
  }
  // The skipped parameter really has no state, the others two steps.
  for (size_t i = 0; i < names.size(); ++i) CHECK(adam2.steps()[i] == (names[i].first == skipped ? 0 : 2));

  CHECK(back.epoch == 3);
  CHECK(back.batch == 2);
  CHECK(back.global_step == 17);
  CHECK(back.lr_last_epoch == 4);
  CHECK(back.seed == st.seed);
  CHECK(back.has_best);
  CHECK(back.best_metric == st.best_metric);
  CHECK(back.best_epoch == 2);
  CHECK(back.metric_name == "val_acc");
  CHECK(back.loss_sum == st.loss_sum);
  CHECK(back.loss_count == 8);
  CHECK(back.acc_sum == st.acc_sum);
  CHECK(back.acc_count == 11);
  CHECK(back.history == st.history);
  Rng r2;
  r2.set_state(back.rng);
  Rng r1 = rng;
  CHECK(r1.normal() == r2.normal());  // the cached spare
  CHECK(r1.next_u64() == r2.next_u64());

  // The state is complete: one more step gives the same weights with or without the reload.
  one_step(*net, adam, 102);
  one_step(*net2, adam2, 102);
  require_same_state(*net, *net2);
}

TEST_CASE("an SGD checkpoint restores the momentum buffers", "[train][checkpoint]") {
  test::TempDir tmp("ckpt_sgd");
  const cfg::Config c = test::tiny_config(tmp.path);
  auto net = net::build_network(c);
  Rng rng(4);
  net->init_weights(rng);
  SgdOptions o;
  o.lr = 0.01;
  o.momentum = 0.9;
  o.nesterov = true;
  SGD sgd(params_of(*net), o);
  one_step(*net, sgd, 5);
  const std::string path = (tmp.path / "c.safetensors").string();
  train::save_checkpoint(path, *net, sgd, {});

  auto net2 = net::build_network(c);
  SGD sgd2(params_of(*net2), o);
  train::load_checkpoint(path, *net2, sgd2);
  one_step(*net, sgd, 6);
  one_step(*net2, sgd2, 6);
  require_same_state(*net, *net2);

  // Another optimizer kind is refused, naming both.
  Adam adam(params_of(*net2));
  CHECK_THROWS_WITH(train::load_checkpoint(path, *net2, adam),
                    Catch::Contains("sgd state") && Catch::Contains("builds adam"));
}

TEST_CASE("weights-only files load strictly as MODEL.PRETRAINED / TEST.MODEL_FILE do", "[train][checkpoint]") {
  test::TempDir tmp("weights");
  const cfg::Config c = test::tiny_config(tmp.path);
  auto net = net::build_network(c);
  Rng rng(8);
  net->init_weights(rng);
  const std::string path = (tmp.path / "final_state.safetensors").string();
  train::save_weights(path, *net, {{"epoch", "2"}});
  const auto contents = io::read_safetensors(path);
  CHECK(contents.metadata.at("epoch") == "2");
  for (const auto& nt : contents.tensors) CHECK_FALSE(nt.name.starts_with("optimizer."));

  auto net2 = net::build_network(c);
  const auto rep = net::load_weights_into(*net2, path);  // strict
  CHECK(rep.missing.empty());
  require_same_state(*net, *net2);
}
