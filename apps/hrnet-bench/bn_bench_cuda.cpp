#include "bn_bench_cuda.h"

#include <fmt/core.h>

#include <cstdio>
#include <functional>

#include "bn_shapes.h"
#include "engine/cuda/device.h"
#include "engine/cuda/timing.h"
#include "engine/random.h"
#include "engine/registry/measure.h"
#include "kernels/batchnorm/batchnorm.h"
#include "kernels/cudnn/bn_lib.h"
#include "kernels_list.h"
#include "kernels_table.h"

namespace hr::bench {
namespace {

constexpr double kEps = 1e-5, kMomentum = 0.1, kTolerance = 1e-3;

// The buffers of one implementation's forward and backward.
struct BnRun {
  Tensor y, rm, rv, sm, si, dx, dg, db;
  BnRun(int64_t rows, int C) {
    const Shape xs{rows, C}, cs{C};
    y = Tensor::empty(xs, DType::f32, Device::CUDA);
    dx = Tensor::zeros(xs, DType::f32, Device::CUDA);
    for (Tensor* t : {&rm, &rv, &sm, &si, &dg, &db}) *t = Tensor::zeros(cs, DType::f32, Device::CUDA);
    rv.copy_from(Tensor::full(cs, 1.0));
  }
};


}  // namespace

int run_bn_table(const KernelsOptions& o, const HrnetGeometry& g, nlohmann::json& results) {
  fmt::print("### batch norm + ReLU, training, f32 ({}): ours against cuDNN\n\n", geometry_title(g));
  fmt::print("'x' is cuDNN time / our time (above 1: ours is faster).\n\n");
  fmt::print("| rows | C | count | cuDNN fwd ms | ours fwd ms | cuDNN bwd ms | ours bwd ms |\n"
             "|---:|---:|---:|---:|---:|---:|---:|\n");
  const auto timer = [&](const std::function<void()>& f) { return cuda::time_ms(f, o.warmup, o.repeat); };
  const kern::Stream s = cuda::compute_stream();
  Rng rng(515);
  int failures = 0;
  double tot[4] = {0, 0, 0, 0};
  for (const BnShape& b : hrnet_bn_shapes(g)) {
    const Shape xs{b.rows, b.C}, cs{b.C};
    const Tensor x = randn(xs, rng, 2.0).to(Device::CUDA), dy = randn(xs, rng).to(Device::CUDA);
    const Tensor gamma = rand_uniform(cs, rng, 0.5, 1.5).to(Device::CUDA), beta = randn(cs, rng).to(Device::CUDA);
    const kern::BnAct<float> act{nullptr, true};
    BnRun ours(b.rows, b.C), lib(b.rows, b.C);
    kern::lib::CudnnBnReserve keep;
    cuda::DeviceWorkspace lib_ws;  // keeps cuDNN's reserve alive for its backward
    const auto ours_fwd = [&] {
      cuda::DeviceWorkspace ws;
      kern::bn_forward_train_cuda(b.rows, b.C, x.data<float>(), gamma.data<float>(), beta.data<float>(), kEps,
                                  kMomentum, ours.y.data<float>(), ours.rm.data<float>(), ours.rv.data<float>(),
                                  ours.sm.data<float>(), ours.si.data<float>(), ws, s, act);
    };
    const auto ours_bwd = [&] {
      cuda::DeviceWorkspace ws;
      kern::bn_backward_train_cuda(b.rows, b.C, x.data<float>(), dy.data<float>(), gamma.data<float>(),
                                   ours.sm.data<float>(), ours.si.data<float>(), ours.dx.data<float>(),
                                   ours.dg.data<float>(), ours.db.data<float>(), ws, s, ours.y.data<float>());
    };
    const auto lib_fwd = [&](kern::Workspace& ws) {
      kern::lib::cudnn_bn_forward_train(b.rows, b.C, x.data<float>(), gamma.data<float>(), beta.data<float>(), kEps,
                                        kMomentum, lib.y.data<float>(), lib.rm.data<float>(), lib.rv.data<float>(),
                                        lib.sm.data<float>(), lib.si.data<float>(), act, ws, s, &keep);
    };
    const auto lib_bwd = [&] {
      cuda::DeviceWorkspace ws;
      kern::lib::cudnn_bn_backward_train(b.rows, b.C, x.data<float>(), lib.y.data<float>(), dy.data<float>(),
                                         gamma.data<float>(), beta.data<float>(), lib.sm.data<float>(),
                                         lib.si.data<float>(), kEps, lib.dx.data<float>(), lib.dg.data<float>(),
                                         lib.db.data<float>(), nullptr, true, keep, ws, s);
    };
    // Check once (fresh accumulators), then time.
    ours_fwd();
    ours_bwd();
    lib_fwd(lib_ws);
    lib_bwd();
    const auto err = [](const Tensor& ref, const Tensor& got) {
      return registry::max_normalized_error(ref.to_vector<float>(), got.to_vector<float>());
    };
    const double e_fwd = err(lib.y, ours.y), e_bwd = std::max(err(lib.dx, ours.dx), err(lib.dg, ours.dg));
    const bool ok_fwd = e_fwd <= kTolerance, ok_bwd = e_bwd <= kTolerance;
    failures += !ok_fwd + !ok_bwd;
    const double t_lf = timer([&] {
      cuda::DeviceWorkspace ws;
      lib_fwd(ws);
    });
    lib_fwd(lib_ws);  // a reserve that lives for the backward's timing
    const double t_lb = timer(lib_bwd);
    const double t_of = ok_fwd ? timer(ours_fwd) : 0, t_ob = ok_bwd ? timer(ours_bwd) : 0;
    const double t[4] = {t_lf, t_of, t_lb, t_ob};
    for (int k = 0; k < 4; ++k) tot[k] += b.count * t[k];
    fmt::print("| {} | {} | {} | {:.3f} | {} | {:.3f} | {} |\n", b.rows, b.C, b.count, t_lf,
               timed_cell(ok_fwd, e_fwd, t_of, t_lf), t_lb, timed_cell(ok_bwd, e_bwd, t_ob, t_lb));
    std::fflush(stdout);
    results.push_back({{"table", "batchnorm"}, {"geometry", geometry_title(g)}, {"rows", b.rows}, {"C", b.C},
                       {"count", b.count}, {"cudnn_fwd_ms", t_lf}, {"ours_fwd_ms", t_of}, {"fwd_error", e_fwd},
                       {"cudnn_bwd_ms", t_lb}, {"ours_bwd_ms", t_ob}, {"bwd_error", e_bwd}});
  }
  const auto ratio = [](double a, double b) { return b > 0 ? fmt::format(" ({:.2f}x)", a / b) : std::string(); };
  fmt::print("| **total (count-weighted)** | | | {:.3f} | {:.3f}{} | {:.3f} | {:.3f}{} |\n\n", tot[0], tot[1],
             ratio(tot[0], tot[1]), tot[2], tot[3], ratio(tot[2], tot[3]));
  if (failures > 0) fmt::print("FAIL: {} batch-norm checks disagree with cuDNN\n\n", failures);
  return failures;
}

}  // namespace hr::bench
