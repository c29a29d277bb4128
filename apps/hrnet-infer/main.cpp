// hrnet-infer: run a network on a picture, or on tensors.
//
//   hrnet-infer --cfg FILE --weights FILE --image IMG [--boxes boxes.json] [--out OUT.png]
//               [--json OUT.json] [--box-thre S] [--device cpu|cuda] [KEY VALUE ...]
//
// Keypoints for a user's own image (apps/hrnet-infer/image_mode.h): person boxes from a JSON
// file, or the whole image as one box; the picture with the skeletons drawn and the keypoints
// as JSON.
//
//   hrnet-infer --cfg FILE --weights FILE(.pth|.safetensors) --input-tensor IN.safetensors
//               --output-tensor OUT.safetensors [--device cpu|cuda] [KEY VALUE ...]
//
// The input file holds a tensor named `input` in PyTorch's NCHW float32 layout (normalised
// RGB crops); the output file gets `heatmaps`, NCHW float32, from the network in eval mode.
// This is how users hold our numbers against their PyTorch ones.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "apps/common/app.h"
#include "apps/common/config_overrides.h"
#include "apps/hrnet-infer/image_mode.h"
#include "engine/engine.h"
#include "engine/io/safetensors.h"
#include "engine/layout.h"
#include "hrnet/from_config.h"
#include "hrnet/load_weights.h"

namespace {

struct Options {
  std::string cfg, weights, input_tensor, output_tensor, device = "cpu";
  hr::app::infer::ImageJob image;
  int threads = 0;
  std::vector<std::string> overrides;
};

hr::Tensor read_input(const std::string& path) {
  const auto contents = hr::io::read_safetensors(path);
  for (const auto& nt : contents.tensors) {
    if (nt.name != "input") continue;
    const hr::Tensor& t = nt.tensor;
    HR_CHECK(t.ndim() == 4 && t.size(1) == 3,
             "{}: tensor 'input' must be [N, 3, H, W] (NCHW RGB), got {}", path, t.desc());
    return t.to(hr::DType::f32);
  }
  hr::fail("{}: no tensor named 'input' (found {} tensors)", path, contents.tensors.size());
}

int run(const Options& o) {
  const hr::cfg::Config cfg = hr::cfg::load_config(o.cfg, o.overrides);
  const hr::Device device = hr::app::parse_device(o.device);
  if (o.threads > 0) hr::set_num_threads(o.threads);

  auto net = hr::net::build_network(cfg);
  const auto report = hr::net::load_weights_into(*net, o.weights);
  fmt::print(stderr, "weights {}: {}\n", o.weights, report.summary());
  net->to(device);
  net->eval();

  if (!o.image.image.empty()) {
    hr::app::infer::run_image(cfg, *net, device, o.image);
    return 0;
  }
  HR_CHECK(!o.input_tensor.empty() && !o.output_tensor.empty(),
           "hrnet-infer: give --image IMG, or --input-tensor and --output-tensor");
  const hr::Tensor input = read_input(o.input_tensor);
  hr::NoGradGuard no_grad;
  const hr::Var y = net->forward(hr::Var(hr::to_channels_last(input).to(device)));
  const hr::Tensor heatmaps = hr::to_channels_first(y.value().to(hr::Device::CPU));
  hr::io::write_safetensors(o.output_tensor, {{"heatmaps", heatmaps}},
                            {{"cfg", o.cfg}, {"weights", o.weights}});
  fmt::print(stderr, "wrote {}: heatmaps {}\n", o.output_tensor, heatmaps.shape().str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"hrnet-infer: keypoints of a picture, or heatmaps of input tensors"};
  Options o;
  app.add_option("--cfg", o.cfg, "experiment YAML (official schema)")->required()->check(CLI::ExistingFile);
  app.add_option("--weights", o.weights, "weights: PyTorch .pth or .safetensors")->required();
  app.add_option("--image", o.image.image, "a JPEG or PNG picture")->check(CLI::ExistingFile);
  app.add_option("--boxes", o.image.boxes, "person boxes JSON ([{\"bbox\": [x,y,w,h], \"score\": s}] or [[x,y,w,h]]); default: the whole image");
  app.add_option("--out", o.image.out_png, "picture with the predicted skeletons (PNG)");
  app.add_option("--json", o.image.out_json, "keypoints of every box (JSON)");
  app.add_option("--box-thre", o.image.box_thre, "skip boxes scoring below this");
  app.add_option("--input-tensor", o.input_tensor, "safetensors file with 'input' [N,3,H,W] float32");
  app.add_option("--output-tensor", o.output_tensor, "safetensors file to write 'heatmaps' [N,J,H/4,W/4]");
  app.add_option("--device", o.device, "cpu or cuda")->capture_default_str();
  app.add_option("--threads", o.threads, "CPU threads (0: all cores)");
  hr::app::accept_config_overrides(app, "MODEL.NUM_JOINTS 17");
  CLI11_PARSE(app, argc, argv);
  o.overrides = hr::app::config_overrides(app);
  return hr::app::guarded_main("hrnet-infer", [&] { return run(o); });
}
