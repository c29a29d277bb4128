// PoseHighResolutionNet against the facts of the official implementation: parameter counts,
// multiply-adds, state_dict keys and shapes, output shape, input-size rule.
#include <catch2/catch.hpp>

#include <map>

#include "hrnet/pose_hrnet.h"
#include "hrnet/summary.h"
#include "hrnet/from_config.h"
#include "support/tiny_hrnet.h"
#include "engine/ops.h"

using namespace hr;
using namespace hr::net;

namespace {
std::map<std::string, Shape> key_shapes(const Module& m) {
  std::map<std::string, Shape> out;
  for (auto& [k, t] : m.state_dict()) out[k] = t.shape();
  return out;
}
}  // namespace

TEST_CASE("official parameter and multiply-add counts", "[hrnet][summary]") {
  struct Case { int width, joints, H, W; int64_t params; double gmac; };
  // Params from the official README / state_dict; GMAC = MACs / 2^30 as the README's "GFLOPs".
  const Case cases[] = {
      {32, 17, 256, 192, 28536113, 7.120}, {48, 17, 256, 192, 63595745, 14.614},
      {32, 17, 384, 288, 28536113, 16.020}, {48, 17, 384, 288, 63595745, 32.882},
      {32, 16, 256, 256, 28536080, 9.49},  {48, 16, 256, 256, 63595696, 0.0},
  };
  for (const Case& c : cases) {
    DYNAMIC_SECTION("W" << c.width << " J" << c.joints << " " << c.H << "x" << c.W) {
      PoseHighResolutionNet net(official_spec(c.width, c.joints));
      const ModelSummary s = summarize(net, c.H, c.W);
      CHECK(s.total_params == c.params);
      CHECK(s.total_convs == 293);
      if (c.gmac > 0) CHECK(s.gmacs_2_30() == Approx(c.gmac).margin(0.006));
    }
  }
}

TEST_CASE("W32 state_dict keys and shapes equal the official ones", "[hrnet]") {
  PoseHighResolutionNet net(official_spec(32, 17));
  const auto sd = net.state_dict();
  CHECK(sd.size() == 1754);
  int without_nbt = 0;
  for (auto& [k, t] : sd)
    if (k.find("num_batches_tracked") == std::string::npos) ++without_nbt;
  CHECK(without_nbt == 1462);
  CHECK(net.named_parameters().size() == 878);
  // Order: first and last keys as PyTorch registers them.
  CHECK(sd.front().first == "conv1.weight");
  CHECK(sd.back().first == "final_layer.bias");
  // Engine layout is [Cout][K][K][Cin]; PyTorch's [Cout][Cin][K][K] appears after import.
  const auto ks = key_shapes(net);
  const std::map<std::string, Shape> expected{
      {"conv1.weight", Shape{64, 3, 3, 3}},
      {"conv2.weight", Shape{64, 3, 3, 64}},
      {"layer1.0.conv1.weight", Shape{64, 1, 1, 64}},
      {"layer1.1.conv1.weight", Shape{64, 1, 1, 256}},
      {"layer1.0.downsample.0.weight", Shape{256, 1, 1, 64}},
      {"layer1.0.downsample.1.running_var", Shape{256}},
      {"transition1.0.0.weight", Shape{32, 3, 3, 256}},
      {"transition1.1.0.0.weight", Shape{64, 3, 3, 256}},
      {"transition2.2.0.0.weight", Shape{128, 3, 3, 64}},
      {"transition3.3.0.0.weight", Shape{256, 3, 3, 128}},
      {"stage2.0.branches.1.3.conv2.weight", Shape{64, 3, 3, 64}},
      {"stage2.0.fuse_layers.0.1.0.weight", Shape{32, 1, 1, 64}},
      {"stage2.0.fuse_layers.1.0.0.0.weight", Shape{64, 3, 3, 32}},
      {"stage3.0.fuse_layers.2.0.0.0.weight", Shape{32, 3, 3, 32}},
      {"stage3.0.fuse_layers.2.0.1.0.weight", Shape{128, 3, 3, 32}},
      {"stage4.0.fuse_layers.3.0.2.0.weight", Shape{256, 3, 3, 32}},
      {"stage4.0.fuse_layers.3.2.0.0.weight", Shape{256, 3, 3, 128}},
      {"stage4.2.fuse_layers.0.3.0.weight", Shape{32, 1, 1, 256}},
      {"stage4.2.fuse_layers.0.3.1.num_batches_tracked", Shape{}},
      {"final_layer.weight", Shape{17, 1, 1, 32}},
      {"final_layer.bias", Shape{17}},
  };
  for (auto& [k, shape] : expected) {
    INFO(k);
    REQUIRE(ks.count(k) == 1);
    CHECK(ks.at(k) == shape);
  }
  // No keys for None entries, and the last module of stage4 fuses output 0 only.
  for (const char* absent : {"transition2.0.0.weight", "transition2.1.0.weight", "transition3.0.0.weight",
                             "stage4.2.fuse_layers.1.0.0.0.weight", "stage2.0.fuse_layers.0.0.0.weight"})
    CHECK(ks.count(absent) == 0);
}

TEST_CASE("per-group parameter counts match the official table", "[hrnet][summary]") {
  PoseHighResolutionNet net(official_spec(32, 17));
  std::map<std::string, int64_t> params;
  for (auto& [name, p] : net.named_parameters()) {
    const std::string g = name.substr(0, name.find('.'));
    const std::string sub = (g == "stage3" || g == "stage4") ? name.substr(0, name.find('.', 7)) : g;
    params[sub] += p.value().numel();
  }
  CHECK(params["conv1"] == 1728);
  CHECK(params["layer1"] == 286208);
  CHECK(params["transition1"] == 221376);
  CHECK(params["stage2"] == 390848);
  CHECK(params["transition2"] == 73984);
  CHECK(params["stage3.0"] == 1705408);
  CHECK(params["transition3"] == 295424);
  CHECK(params["stage4.0"] == 7059072);
  CHECK(params["stage4.2"] == 6289088);
  CHECK(params["final_layer"] == 561);
}

TEST_CASE("a narrow HRNet runs forward and backward with heatmaps at H/4 x W/4", "[hrnet]") {
  PoseHighResolutionNet net(hr::test::tiny_hrnet_spec(5, 2));
  Rng rng(3);
  net.init_weights(rng);
  Var x(randn(Shape{2, 64, 32, 3}, rng));
  Var y = net.forward(x);
  REQUIRE(y.shape() == Shape{2, 16, 8, 5});
  Var loss = ops::joints_mse_loss(y, Tensor::zeros(y.shape()), Tensor::full(Shape{2, 5}, 1.0));
  loss.backward();
  for (auto& [name, p] : net.named_parameters()) {
    INFO(name);
    CHECK(p.grad().defined());
  }
}

TEST_CASE("input sizes whose H/4, W/4 are not multiples of 8 are refused", "[hrnet][errors]") {
  CHECK_NOTHROW(check_input_size(256, 192));
  CHECK_NOTHROW(check_input_size(384, 288));
  CHECK_THROWS_WITH(check_input_size(250, 192), Catch::Contains("divisible by 8"));
  CHECK_THROWS_WITH(check_input_size(256, 200), Catch::Contains("256x200"));
}

TEST_CASE("every shipped config builds with the official counts", "[hrnet][summary][config]") {
  struct Case { const char* file; int64_t params; double gmac; };
  // GMAC = MACs / 2^30. MPII W48 has no official figure: all convs scale with the input area
  // (W48 256x192: 14.614), less one joint in the final 1x1.
  const Case cases[] = {
      {"coco/hrnet/w32_256x192_adam_lr1e-3.yaml", 28536113, 7.120},
      {"coco/hrnet/w32_384x288_adam_lr1e-3.yaml", 28536113, 16.020},
      {"coco/hrnet/w48_256x192_adam_lr1e-3.yaml", 63595745, 14.614},
      {"coco/hrnet/w48_384x288_adam_lr1e-3.yaml", 63595745, 32.882},
      {"mpii/hrnet/w32_256x256_adam_lr1e-3.yaml", 28536080, 9.49},
      {"mpii/hrnet/w48_256x256_adam_lr1e-3.yaml", 63595696, 14.614 * 4.0 / 3.0},
  };
  for (const Case& c : cases) {
    DYNAMIC_SECTION(c.file) {
      const cfg::Config cfg = cfg::load_config(std::string(HRNET_EXPERIMENTS_DIR) + "/" + c.file);
      auto net = build_network(cfg);
      const ModelSummary s = summarize(*net, cfg.model.image_size.height, cfg.model.image_size.width);
      CHECK(s.total_params == c.params);
      CHECK(s.gmacs_2_30() == Approx(c.gmac).margin(0.006));
    }
  }
  // The demo config: a narrow network that still has all four branches.
  const cfg::Config demo = cfg::load_config(std::string(HRNET_EXPERIMENTS_DIR) + "/demo/hrnet/w16_128x96_demo.yaml");
  auto net = build_network(demo);
  const ModelSummary s = summarize(*net, demo.model.image_size.height, demo.model.image_size.width);
  CHECK(s.total_params < 2000000);  // W16: 1,602,273
  CHECK(s.total_params > 300000);  // the stem and layer1 alone hold ~325k
}
