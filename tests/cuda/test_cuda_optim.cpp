// The fused multi-tensor optimizers against the CPU ones, step by step: tensors larger than
// one chunk (65536 elements), a parameter that gets no gradient (skipped, as in PyTorch), and
// every SGD variant.
#include <catch2/catch.hpp>

#include <functional>
#include <memory>

#include "tests/cuda/parity.h"

using namespace hr;
using hr::test::rel_max_diff;

namespace {

using MakeOpt = std::function<std::unique_ptr<Optimizer>(std::vector<Var>)>;

void check_optimizer(const std::string& what, const MakeOpt& make) {
  INFO(what);
  Rng rng(21);
  const std::vector<Shape> shapes{Shape{3}, Shape{64, 3, 3, 32}, Shape{70001}, Shape{5, 7}};
  std::vector<Tensor> init;
  for (const Shape& s : shapes) init.push_back(randn(s, rng));
  std::vector<Var> pc, pg;
  for (const Tensor& t : init) {
    pc.emplace_back(t.clone(), true);
    pg.emplace_back(t.to(Device::CUDA), true);
  }
  auto oc = make(pc), og = make(pg);
  for (int step = 0; step < 4; ++step) {
    for (size_t i = 0; i < init.size(); ++i) {
      if (i == 3 && step < 2) {  // no gradient for the first two steps: left alone
        pc[i].zero_grad(), pg[i].zero_grad();
        continue;
      }
      const Tensor g = randn(init[i].shape(), rng);
      pc[i].grad() = g.clone();
      pg[i].grad() = g.to(Device::CUDA);
    }
    oc->step();
    og->step();
    for (size_t i = 0; i < init.size(); ++i) {
      INFO("step " << step << ", parameter " << i << " " << init[i].desc());
      CHECK(pg[i].value().device() == Device::CUDA);
      CHECK(rel_max_diff(pc[i].value(), pg[i].value()) < 1e-6);
    }
  }
  CHECK(rel_max_diff(init[3], pg[3].value()) > 0.0);  // the late parameter did move
}

}  // namespace

TEST_CASE("CUDA fused Adam matches the CPU step by step", "[cuda]") {
  check_optimizer("adam", [](std::vector<Var> p) { return std::make_unique<Adam>(std::move(p), AdamOptions{}); });
  AdamOptions o;
  o.lr = 3e-3;
  o.weight_decay = 1e-2;
  check_optimizer("adam wd", [o](std::vector<Var> p) { return std::make_unique<Adam>(std::move(p), o); });
}

TEST_CASE("CUDA fused SGD matches the CPU step by step", "[cuda]") {
  SgdOptions plain;
  plain.lr = 0.1;
  SgdOptions mom = plain;
  mom.momentum = 0.9;
  mom.weight_decay = 1e-4;
  mom.dampening = 0.1;
  SgdOptions nest = plain;
  nest.momentum = 0.9;
  nest.nesterov = true;
  for (const auto& [name, o] : {std::pair{"plain", plain}, {"momentum", mom}, {"nesterov", nest}})
    check_optimizer(std::string("sgd ") + name,
                    [o = o](std::vector<Var> p) { return std::make_unique<SGD>(std::move(p), o); });
}
