#include "model_bench.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <functional>

#include "engine/cuda/timing.h"
#include "engine/engine.h"
#include "kernels/common/math_mode.h"
#include "kernels/common/gemm.h"
#include "hrnet/from_config.h"
#include "hrnet/summary.h"

namespace hr::bench {
namespace {

using Clock = std::chrono::steady_clock;

double median_ms(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

template <typename F>
double time_ms(int warmup, int repeat, F&& f) {
  for (int i = 0; i < warmup; ++i) f();
  std::vector<double> t;
  for (int i = 0; i < repeat; ++i) {
    const auto t0 = Clock::now();
    f();
    t.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  return median_ms(t);
}

}  // namespace

int run_model_bench(const ModelOptions& o) {
  const cfg::Config cfg = cfg::load_config(o.cfg, o.overrides);
  HR_CHECK(o.device == "cpu" || cuda_available(), "--device {}: no CUDA device present", o.device);
  const Device device = o.device == "cuda" ? Device::CUDA : Device::CPU;
  if (o.threads > 0) set_num_threads(o.threads);
  if (o.no_bn_fold) set_bn_folding(false);
  if (o.no_bn_recompute) set_bn_relu_recompute(false);
  auto net = net::build_network(cfg);
  Rng rng(0);
  net->init_weights(rng);
  const int H = cfg.model.image_size.height, W = cfg.model.image_size.width, J = cfg.model.num_joints;
  // Before the move to the device: summarize() traces the network with a zero CPU input (its
  // convolutions skipped), which a CUDA network's batch norms would refuse as mixed devices.
  const auto summary = net::summarize(*net, H, W);
  net->to(device);

  const bool gpu = device == Device::CUDA;
  const std::string backend = gpu ? fmt::format("{} (cuDNN/cuBLAS baseline, TF32 {})", cuda::device_description(),
                                                kern::cuda_tf32() ? "on" : "off")
                                  : fmt::format("{} threads, CPU GEMM {}", num_threads(), kern::gemm_backend());
  fmt::print("hrnet-bench model: {} ({} params, {:.2f} GMAC/2^30 per image at {}x{}), device {}, {}, "
             "eval BN folding {}, training BN + ReLU {}\n",
             o.cfg, summary.total_params, summary.gmacs_2_30(), H, W, o.device, backend, o.no_bn_fold ? "off" : "on",
             o.no_bn_recompute ? "kept" : "recomputed");
  // On CUDA, CUDA events around each run on the compute stream; on the CPU, the wall clock.
  auto timed = [&](const std::function<void()>& f) {
    return gpu ? cuda::time_ms(f, o.warmup, o.repeat) : time_ms(o.warmup, o.repeat, f);
  };
  // Peak tensor memory of a training step above what was live before it (activations,
  // gradients, optimizer state on first use): host tensors on the CPU, the caching
  // allocator's blocks on CUDA.
  auto reset_peak = [&] { gpu ? cuda_reset_peak() : host_reset_peak(); };
  auto in_use = [&] { return gpu ? int64_t(cuda_memory_stats().in_use) : host_memory_stats().in_use; };
  auto peak = [&] { return gpu ? int64_t(cuda_memory_stats().peak_in_use) : host_memory_stats().peak_in_use; };
  fmt::print("{:>6} {:>14} {:>10} {:>16} {:>10} {:>15}\n", "batch", "eval ms/img", "eval img/s", "train ms/img",
             "train img/s", "train peak MiB");
  nlohmann::json results = nlohmann::json::array();
  for (int B : o.batches) {
    const Tensor x = randn(Shape{B, H, W, 3}, rng).to(device);
    const Tensor target = rand_uniform(Shape{B, H / 4, W / 4, J}, rng, 0.0, 0.1).to(device);
    const Tensor weight = Tensor::full(Shape{B, J}, 1.0).to(device);

    double eval_ms = 0;
    if (!o.no_eval) {
      net->eval();
      eval_ms = timed([&] {
        NoGradGuard no_grad;
        net->forward(Var(x));
      });
    }
    double train_ms = 0;
    double train_peak_mib = 0;
    if (!o.no_train && B > 1) {  // BN training needs more than one value per channel
      net->train();
      Adam adam(net->parameters());
      net->zero_grad();  // a previous batch size's gradients would count as "before"
      const int64_t before = in_use();
      reset_peak();
      train_ms = timed([&] {
        adam.zero_grad();
        Var loss = ops::joints_mse_loss(net->forward(Var(x)), target, weight);
        loss.backward();
        adam.step();
      });
      train_peak_mib = double(peak() - before) / 1048576.0;
    }
    const auto per_img = [B](double ms) { return ms / B; };
    fmt::print("{:>6} {:>14} {:>10} {:>16} {:>10} {:>15}\n", B,
               eval_ms > 0 ? fmt::format("{:.1f}", per_img(eval_ms)) : "-",
               eval_ms > 0 ? fmt::format("{:.1f}", 1000.0 * B / eval_ms) : "-",
               train_ms > 0 ? fmt::format("{:.1f}", per_img(train_ms)) : "-",
               train_ms > 0 ? fmt::format("{:.1f}", 1000.0 * B / train_ms) : "-",
               train_ms > 0 ? fmt::format("{:.0f}", train_peak_mib) : "-");
    results.push_back({{"batch", B},
                       {"eval_ms_per_image", eval_ms > 0 ? per_img(eval_ms) : 0.0},
                       {"train_ms_per_image", train_ms > 0 ? per_img(train_ms) : 0.0},
                       {"train_peak_mib", train_peak_mib}});
  }
  if (!o.json.empty()) {
    std::ofstream f(o.json);
    HR_CHECK(f.good(), "cannot write {}", o.json);
    f << nlohmann::json{{"engine", "hrnet"},
                        {"cfg", o.cfg},
                        {"device", o.device},
                        {"gpu", gpu ? cuda::device_description() : ""},
                        {"tf32", gpu && kern::cuda_tf32()},
                        {"image_size", {H, W}},
                        {"threads", num_threads()},
                        {"bn_relu_recompute", !o.no_bn_recompute},
                        {"results", results}}
             .dump(2)
      << "\n";
  }
  return 0;
}

int run_summary(const std::string& cfg_path, const std::vector<std::string>& overrides) {
  const cfg::Config cfg = cfg::load_config(cfg_path, overrides);
  auto net = net::build_network(cfg);
  const auto s = net::summarize(*net, cfg.model.image_size.height, cfg.model.image_size.width);
  fmt::print("{}: {} joints\n{}", cfg_path, cfg.model.num_joints, net::format_summary(s));
  fmt::print("(GMAC/2^30 is what the official README calls GFLOPs)\n");
  return 0;
}

}  // namespace hr::bench
