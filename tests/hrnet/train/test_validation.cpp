// The default validation hook: the official validate()'s loss and accuracy on the test set,
// on the flip-test output when TEST.FLIP_TEST is on, checked against a direct NHWC
// transcription of the official merge (mirror, swap left/right, shift right, average).
#include <catch2/catch.hpp>

#include <cmath>

#include "datasets/pipeline/loader.h"
#include "engine/engine.h"
#include "hrnet/from_config.h"
#include "hrnet/train/accuracy.h"
#include "hrnet/train/data_config.h"
#include "hrnet/train/validation.h"
#include "train_fixture.h"

using namespace hr;

namespace {

// out = (out + shift(flip_back(flipped))) / 2 on NHWC [B][H][W][J].
Tensor merge_flip_nhwc(const Tensor& out, const Tensor& flipped, const std::vector<std::pair<int, int>>& pairs,
                       bool shift) {
  const int64_t B = out.size(0), H = out.size(1), W = out.size(2), J = out.size(3);
  std::vector<int64_t> partner(static_cast<size_t>(J), 0);
  for (int64_t j = 0; j < J; ++j) partner[size_t(j)] = j;
  for (auto [a, b] : pairs) partner[size_t(a)] = b, partner[size_t(b)] = a;
  const float* o = out.data<float>();
  const float* f = flipped.data<float>();
  Tensor r = Tensor::empty(out.shape());
  float* d = r.data<float>();
  for (int64_t n = 0; n < B; ++n)
    for (int64_t y = 0; y < H; ++y)
      for (int64_t x = 0; x < W; ++x)
        for (int64_t j = 0; j < J; ++j) {
          const int64_t xs = (!shift || x == 0) ? x : x - 1;  // shift right; column 0 keeps its own value
          const float back = f[((n * H + y) * W + (W - 1 - xs)) * J + partner[size_t(j)]];
          const size_t i = size_t(((n * H + y) * W + x) * J + j);
          d[i] = (o[i] + back) * 0.5f;
        }
  return r;
}

Tensor mirror_nhwc(const Tensor& t) {
  const int64_t B = t.size(0), H = t.size(1), W = t.size(2), C = t.size(3);
  Tensor r = Tensor::empty(t.shape());
  for (int64_t n = 0; n < B; ++n)
    for (int64_t y = 0; y < H; ++y)
      for (int64_t x = 0; x < W; ++x)
        for (int64_t c = 0; c < C; ++c)
          r.data<float>()[((n * H + y) * W + x) * C + c] = t.data<float>()[((n * H + y) * W + (W - 1 - x)) * C + c];
  return r;
}

}  // namespace

TEST_CASE("default validation computes the official flip-test loss and accuracy", "[train][validation]") {
  test::TempDir tmp("val");
  const cfg::Config c = test::tiny_config(tmp.path, {"TEST.FLIP_TEST", "True", "TEST.SHIFT_HEATMAP", "True"});
  auto net = net::build_network(c);
  Rng rng(21);
  net->init_weights(rng);
  // A net that has trained a little: random BN statistics and a visible final layer, so the
  // heatmaps are not flat and flipping matters.
  for (auto& [k, t] : net->named_buffers())
    if (k.ends_with("running_var")) t.copy_from(rand_uniform(t.shape(), rng, 0.5, 1.5));
  // He-scaled convs instead of the official N(0, 0.001), which would leave the maps flat.
  for (auto& [k, p] : net->named_parameters())
    if (p.value().ndim() == 4)
      p.value().copy_from(randn(p.shape(), rng, std::sqrt(2.0 / double(p.shape()[1] * p.shape()[2] * p.shape()[3]))));
  net->eval();
  NoGradGuard no_grad;

  const auto hook = train::loss_accuracy_validation(c, Device::CPU);
  const train::EvalResult r = hook(*net, 0);
  CHECK(r.metric_name == "val_acc");
  REQUIRE(r.values.size() == 2);
  CHECK(r.values[0].first == "val_loss");

  data::DataLoader loader(train::load_records(c, false, false), train::sample_options(c, false),
                          train::loader_options(c, false));
  const auto pairs = loader.sample_options().joint_set.flip_pairs;
  train::AverageMeter loss, acc, plain_loss, unshifted_loss;
  loader.start_epoch(0);
  while (auto b = loader.next()) {
    const Tensor out = net->forward(Var(b->input)).value();
    const Tensor fl = net->forward(Var(mirror_nhwc(b->input))).value();
    const Tensor merged = merge_flip_nhwc(out, fl, pairs, true);
    unshifted_loss.update(
        ops::joints_mse_loss(Var(merge_flip_nhwc(out, fl, pairs, false)), b->target, b->target_weight).value().item(),
        double(b->size()));
    loss.update(ops::joints_mse_loss(Var(merged), b->target, b->target_weight).value().item(), double(b->size()));
    plain_loss.update(ops::joints_mse_loss(Var(out), b->target, b->target_weight).value().item(), double(b->size()));
    const auto a = train::heatmap_accuracy(merged, b->target);
    acc.update(a.avg, a.count);
  }
  CHECK(r.values[0].second == Approx(loss.avg).epsilon(1e-6));
  CHECK(r.metric == Approx(acc.avg).margin(1e-12));
  CHECK(r.values[1].second == r.metric);
  // The flip test and the shift change the number: the check above could not pass on the
  // plain output or without SHIFT_HEATMAP.
  INFO("flip+shift " << loss.avg << ", flip only " << unshifted_loss.avg << ", plain " << plain_loss.avg);
  CHECK(std::fabs(loss.avg - plain_loss.avg) > 1e-4 * plain_loss.avg);
  CHECK(std::fabs(loss.avg - unshifted_loss.avg) > 1e-4 * loss.avg);

  // Without FLIP_TEST the hook scores the plain output.
  const cfg::Config c2 = test::tiny_config(tmp.path, {"TEST.FLIP_TEST", "False"});
  CHECK(train::loss_accuracy_validation(c2, Device::CPU)(*net, 0).values[0].second ==
        Approx(plain_loss.avg).epsilon(1e-6));
}
