#include <catch2/catch.hpp>

#include <filesystem>

#include "engine/io/safetensors.h"
#include "engine/layout.h"
#include "hrnet/load_weights.h"
#include "hrnet/pose_hrnet.h"
#include "hrnet/weights.h"
#include "support/tiny_hrnet.h"

using namespace hr;
using namespace hr::net;

namespace {
HRNetSpec tiny_spec() { return hr::test::tiny_hrnet_spec(3); }

NamedTensors without(NamedTensors t, const std::string& substring) {
  NamedTensors out;
  for (auto& kv : t)
    if (kv.name.find(substring) == std::string::npos) out.push_back(kv);
  return out;
}
}  // namespace

TEST_CASE("layout permutations are inverse and place channels last", "[weights][layout]") {
  Tensor t = Tensor::empty(Shape{2, 3, 4, 5});
  for (int i = 0; i < 120; ++i) t.data<float>()[i] = float(i);
  Tensor l = to_channels_last(t);
  REQUIRE(l.shape() == Shape{2, 4, 5, 3});
  // element [n=1][c=2][h=3][w=4] of NCHW is at [1][3][4][2] of NHWC
  CHECK(l.data<float>()[((1 * 4 + 3) * 5 + 4) * 3 + 2] == t.data<float>()[((1 * 3 + 2) * 4 + 3) * 5 + 4]);
  CHECK(to_channels_first(l).to_vector<float>() == t.to_vector<float>());
}

TEST_CASE("export then strict load reproduces the model", "[weights]") {
  PoseHighResolutionNet a(tiny_spec()), b(tiny_spec());
  Rng r1(1), r2(2);
  a.init_weights(r1);
  b.init_weights(r2);
  const NamedTensors sd = export_state_dict(a);
  // PyTorch layout in the export
  for (auto& [k, t] : sd)
    if (k == "conv1.weight") CHECK(t.shape() == Shape{64, 3, 3, 3});
  const LoadReport rep = load_state_dict(b, sd, {}, "a.safetensors");
  CHECK(rep.missing.empty());
  CHECK(rep.unexpected.empty());
  const auto sa = a.state_dict(), sb = b.state_dict();
  for (size_t i = 0; i < sa.size(); ++i) {
    INFO(sa[i].first);
    if (sa[i].second.dtype() == DType::f32) CHECK(sa[i].second.to_vector<float>() == sb[i].second.to_vector<float>());
  }
}

TEST_CASE("files without num_batches_tracked load strictly", "[weights]") {
  PoseHighResolutionNet a(tiny_spec()), b(tiny_spec());
  CHECK_NOTHROW(load_state_dict(b, without(export_state_dict(a), "num_batches_tracked"), {}, "old.pth"));
}

TEST_CASE("strict loading names missing, unexpected and mismatched keys and changes nothing", "[weights][errors]") {
  PoseHighResolutionNet a(tiny_spec()), b(tiny_spec());
  Rng r(5);
  a.init_weights(r);
  const auto before = b.state_dict().front().second.to_vector<float>();

  NamedTensors missing = without(export_state_dict(a), "final_layer");
  CHECK_THROWS_WITH(load_state_dict(b, missing, {}, "x.pth"),
                    Catch::Contains("x.pth") && Catch::Contains("missing keys (2)") &&
                        Catch::Contains("final_layer.weight"));

  NamedTensors prefixed;
  for (auto& [k, t] : export_state_dict(a)) prefixed.emplace_back("module." + k, t);
  CHECK_THROWS_WITH(load_state_dict(b, prefixed, {}, "ckpt.pth"),
                    Catch::Contains("unexpected keys") && Catch::Contains("module.conv1.weight"));

  NamedTensors wrong = export_state_dict(a);
  for (auto& [k, t] : wrong)
    if (k == "final_layer.bias") t = Tensor::zeros(Shape{17});
  CHECK_THROWS_WITH(load_state_dict(b, wrong, {}, "w48.pth"),
                    Catch::Contains("final_layer.bias: file has [17], the model needs [3]"));
  CHECK_THROWS_WITH(load_state_dict(b, wrong, LoadOptions{false, {}}, "w48.pth"),
                    Catch::Contains("wrong shape"));
  CHECK(b.state_dict().front().second.to_vector<float>() == before);
}

TEST_CASE("PRETRAINED_LAYERS filters keys as the official init does", "[weights]") {
  PoseHighResolutionNet a(tiny_spec()), b(tiny_spec());
  NamedTensors sd = export_state_dict(a);
  sd.emplace_back("classifier.weight", Tensor::zeros(Shape{1000, 2048}));
  sd.emplace_back("incre_modules.0.0.conv1.weight", Tensor::zeros(Shape{32, 4, 1, 1}));
  sd = without(sd, "final_layer");
  LoadOptions o;
  o.strict = false;
  o.only_layers = {"conv1", "bn1", "conv2", "bn2", "layer1", "transition1", "stage2", "transition2",
                   "stage3", "transition3", "stage4"};
  const LoadReport rep = load_state_dict(b, sd, o, "hrnet_w32-36af842e.pth");
  CHECK(rep.missing.empty());  // final_layer is outside the filter, so it is not "missing"
  CHECK(rep.filtered.size() == 2);
  CHECK(rep.unexpected.empty());
}

TEST_CASE("MODEL.PRETRAINED loads an ImageNet-style checkpoint through PRETRAINED_LAYERS", "[weights]") {
  // A classification checkpoint: the pose keys (minus final_layer) plus what the classifier
  // adds: incre_modules, classifier, its own final_layer, and stage4.2 fuse layers for outputs
  // 1..3 (which pass the 'stage4' filter but do not exist in the pose net).
  PoseHighResolutionNet src(tiny_spec()), dst(tiny_spec());
  Rng r(21);
  src.init_weights(r);
  NamedTensors ckpt = without(export_state_dict(src), "final_layer");
  ckpt.push_back({"stage4.0.fuse_layers.1.0.0.0.weight", Tensor::zeros(Shape{8, 4, 3, 3})});
  ckpt.push_back({"incre_modules.0.0.conv1.weight", Tensor::zeros(Shape{32, 4, 1, 1})});
  ckpt.push_back({"final_layer.0.weight", Tensor::zeros(Shape{2048, 1024, 1, 1})});
  ckpt.push_back({"classifier.weight", Tensor::zeros(Shape{1000, 2048})});
  const std::string path = (std::filesystem::temp_directory_path() / "hrnet_w4_imagenet.safetensors").string();
  io::write_safetensors(path, ckpt);

  cfg::Config cfg;
  cfg.model.pretrained = path;
  const LoadReport rep = load_pretrained(dst, cfg);
  CHECK(rep.missing.empty());
  CHECK(rep.filtered.size() == 3);     // incre_modules, classifier, final_layer.0
  CHECK(rep.unexpected.size() == 1);   // the stage4 key the pose net lacks: ignored, not fatal
  CHECK(dst.state_dict()[0].second.to_vector<float>() == src.state_dict()[0].second.to_vector<float>());

  cfg.model.pretrained = path + ".missing";
  CHECK_THROWS_WITH(load_pretrained(dst, cfg), Catch::Contains(".missing"));
  std::filesystem::remove(path);
}
