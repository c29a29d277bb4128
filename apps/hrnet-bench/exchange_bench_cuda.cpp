#include "exchange_bench_cuda.h"

#include <cuda_runtime.h>
#include <fmt/core.h>

#include <cmath>
#include <cstdio>
#include <functional>
#include <vector>

#include "engine/cuda/device.h"
#include "engine/cuda/timing.h"
#include "engine/random.h"
#include "engine/registry/measure.h"
#include "exchange_shapes.h"
#include "kernels/batchnorm/batchnorm.h"
#include "kernels/common/cuda_check.h"
#include "kernels/conv/conv.h"
#include "kernels/conv_native/conv_native.h"
#include "kernels/conv_native/problems.h"
#include "kernels/elementwise/elementwise.h"
#include "kernels/exchange/exchange.h"
#include "kernels/exchange/unit.h"
#include "kernels/upsample/upsample.h"
#include "kernels_list.h"
#include "kernels_table.h"

namespace hr::bench {
namespace {

constexpr double kEps = 1e-5;
constexpr double kTolerance = 1e-4;  // f32 everywhere: sums in other orders only

// The device tensors of one up term j -> out.
struct UpTerm {
  kern::ConvDesc d;  // the 1x1 conv at branch j's resolution
  int log2 = 0;
  Tensor x, w, gamma, beta, mean, var, scale, shift;  // scale/shift: BN folded (host-computed)
  Tensor z, zb, up;                                   // conv output, BN output, upsampled
};

struct Unit {
  const ExchangeShape& e;
  int64_t n = 0;  // elements of the output
  Tensor ident, out_unfused, out_native, out_lib, out_unit, sum_unfused, sum_fused;
  std::vector<UpTerm> ups;
};

Tensor dev(const Tensor& host) { return host.to(Device::CUDA); }

Unit make_unit(const ExchangeShape& e, Rng& rng) {
  Unit u{e, 0, {}, {}, {}, {}, {}, {}, {}, {}};
  const int Ho = e.h[size_t(e.out)], Wo = e.w[size_t(e.out)], Co = e.c[size_t(e.out)];
  const Shape full{e.N, Ho, Wo, Co};
  u.n = full.numel();
  u.ident = dev(randn(full, rng));
  for (Tensor* t : {&u.out_unfused, &u.out_native, &u.out_lib, &u.out_unit, &u.sum_unfused, &u.sum_fused})
    *t = Tensor::zeros(full, DType::f32, Device::CUDA);
  for (int j = e.out + 1; j < e.branches; ++j) {
    UpTerm t;
    const int Hj = e.h[size_t(j)], Wj = e.w[size_t(j)], Cj = e.c[size_t(j)];
    t.d = kern::make_conv_desc(e.N, Hj, Wj, Cj, Co, 1, 1);
    t.log2 = j - e.out;
    t.x = dev(randn(Shape{e.N, Hj, Wj, Cj}, rng));
    t.w = dev(randn(Shape{Co, 1, 1, Cj}, rng, 1.0 / std::sqrt(double(Cj))));
    const Tensor g = rand_uniform(Shape{Co}, rng, 0.5, 1.5), b = randn(Shape{Co}, rng, 0.1);
    const Tensor m = randn(Shape{Co}, rng, 0.1), v = rand_uniform(Shape{Co}, rng, 0.5, 2.0);
    Tensor sc = Tensor::empty(Shape{Co}), sh = Tensor::empty(Shape{Co});
    for (int c = 0; c < Co; ++c) {
      const double s = double(g.data<float>()[c]) / std::sqrt(double(v.data<float>()[c]) + kEps);
      sc.data<float>()[c] = float(s);
      sh.data<float>()[c] = float(double(b.data<float>()[c]) - double(m.data<float>()[c]) * s);
    }
    t.gamma = dev(g), t.beta = dev(b), t.mean = dev(m), t.var = dev(v), t.scale = dev(sc), t.shift = dev(sh);
    t.z = Tensor::empty(Shape{e.N, Hj, Wj, Co}, DType::f32, Device::CUDA);
    t.zb = Tensor::empty(t.z.shape(), DType::f32, Device::CUDA);
    t.up = Tensor::empty(full, DType::f32, Device::CUDA);
    u.ups.push_back(std::move(t));
  }
  return u;
}

const kern::Stream kStream = nullptr;  // the engine's compute stream (cuda::compute_stream)

void copy_identity(const Unit& u, Tensor& out) {
  kern::cuda_check(cudaMemcpyAsync(out.data<float>(), u.ident.data<float>(), size_t(u.n) * sizeof(float),
                                   cudaMemcpyDeviceToDevice, kStream),
                   "exchange bench: identity copy");
}

// Upsample every BN output zb and add it to the identity, the last add with the ReLU, into y.
void upsample_add_chain(Unit& u, float* y) {
  const int Co = u.e.c[size_t(u.e.out)];
  const float* acc = u.ident.data<float>();
  for (size_t i = 0; i < u.ups.size(); ++i) {
    UpTerm& t = u.ups[i];
    kern::upsample_nearest_forward_cuda(t.d.N, t.d.H, t.d.W, Co, 1 << t.log2, t.zb.data<float>(), t.up.data<float>(),
                                        kStream);
    if (i + 1 == u.ups.size())
      kern::add_relu_forward_cuda(u.n, acc, t.up.data<float>(), y, kStream);
    else
      kern::add_forward_cuda(u.n, acc, t.up.data<float>(), y, kStream);
    acc = y;
  }
}

// The unfused sequence of the issue: conv, BN, upsample, add (add_relu at the end).
void run_unfused(Unit& u, cuda::DeviceWorkspace& ws) {
  const int Co = u.e.c[size_t(u.e.out)];
  for (UpTerm& t : u.ups) {
    kern::conv2d_forward_cuda(t.d, t.x.data<float>(), t.w.data<float>(), nullptr, t.z.data<float>(), ws, kStream);
    kern::bn_forward_eval_cuda(t.d.rows(), Co, t.z.data<float>(), t.gamma.data<float>(), t.beta.data<float>(),
                               t.mean.data<float>(), t.var.data<float>(), kEps, t.zb.data<float>(), ws, kStream);
  }
  upsample_add_chain(u, u.out_unfused.data<float>());
}

// Ours: the identity copied, then one accumulating conv per up term (BN folded, broadcast).
void run_native(Unit& u) {
  copy_identity(u, u.out_native);
  const int Ho = u.e.h[size_t(u.e.out)], Wo = u.e.w[size_t(u.e.out)];
  for (size_t i = 0; i < u.ups.size(); ++i) {
    UpTerm& t = u.ups[i];
    kern::native::ConvEpilogue ep;
    ep.scale = t.scale.data<float>();
    ep.shift = t.shift.data<float>();
    ep.accumulate = true;
    ep.relu = i + 1 == u.ups.size();
    ep.up = t.log2;
    ep.out_H = Ho;
    ep.out_W = Wo;
    kern::conv_native_forward_fused_cuda(t.d, t.x.data<float>(), t.w.data<float>(), u.out_native.data<float>(),
                                         kern::NativeMath::F32, ep, kStream);
  }
}

kern::ExchangeDesc<float> sum_desc(const Unit& u, bool affine, const std::vector<const float*>& low) {
  kern::ExchangeDesc<float> d;
  d.N = u.e.N, d.H = u.e.h[size_t(u.e.out)], d.W = u.e.w[size_t(u.e.out)], d.C = u.e.c[size_t(u.e.out)];
  d.count = 1 + int(u.ups.size());
  d.term[0].x = u.ident.data<float>();
  for (size_t i = 0; i < u.ups.size(); ++i) {
    kern::ExchangeTerm<float>& t = d.term[i + 1];
    t.x = low[i];
    t.log2_factor = u.ups[i].log2;
    if (affine) t.scale = u.ups[i].scale.data<float>(), t.shift = u.ups[i].shift.data<float>();
  }
  return d;
}

// The library's convs, then the fused sum with BN in its affine slot.
void run_lib_fused(Unit& u, cuda::DeviceWorkspace& ws) {
  std::vector<const float*> low;
  for (UpTerm& t : u.ups) {
    kern::conv2d_forward_cuda(t.d, t.x.data<float>(), t.w.data<float>(), nullptr, t.z.data<float>(), ws, kStream);
    low.push_back(t.z.data<float>());
  }
  kern::exchange_forward_cuda(sum_desc(u, true, low), u.out_lib.data<float>(), kStream);
}

// The whole output in one kernel (kernels/exchange/unit.h): the identity and every up term's
// 1x1 conv at low resolution with BN folded, broadcast, summed, ReLU.
void run_unit(Unit& u) {
  kern::ExchangeUnitDesc d;
  d.N = u.e.N, d.H = u.e.h[size_t(u.e.out)], d.W = u.e.w[size_t(u.e.out)], d.C = u.e.c[size_t(u.e.out)];
  d.count = 1 + int(u.ups.size());
  d.term[0].x = u.ident.data<float>();
  for (size_t i = 0; i < u.ups.size(); ++i) {
    const UpTerm& t = u.ups[i];
    d.term[i + 1] = {t.x.data<float>(), t.w.data<float>(), t.scale.data<float>(), t.shift.data<float>(), t.d, t.log2};
  }
  kern::exchange_unit_forward_cuda(d, u.out_unit.data<float>(), kStream);
}

// The sum alone, as training runs it: on the BN outputs zb (filled by run_unfused).
void run_sum_unfused(Unit& u) { upsample_add_chain(u, u.sum_unfused.data<float>()); }

void run_sum_fused(Unit& u) {
  std::vector<const float*> low;
  for (UpTerm& t : u.ups) low.push_back(t.zb.data<float>());
  kern::exchange_forward_cuda(sum_desc(u, false, low), u.sum_fused.data<float>(), kStream);
}

double error_vs(const Tensor& ref, const Tensor& got) {
  return registry::max_normalized_error(ref.to_vector<float>(), got.to_vector<float>());
}


}  // namespace

int run_exchange_table(const KernelsOptions& o, const HrnetGeometry& g, nlohmann::json& results) {
  fmt::print("### exchange units, up paths + sum, inference with BN, f32 ({})\n\n", geometry_title(g));
  fmt::print("'x' is unfused time / fused time (above 1: fused is faster). Sum only: the training path's "
             "sum of BN outputs (upsample + add + add_relu against the fused sum kernel).\n\n");
  fmt::print("| label | count | output | up | unfused ms | native fused ms | lib conv + fused sum ms | "
             "native unit ms | sum unfused ms | sum fused ms |\n|---|---:|---|---:|---:|---:|---:|---:|---:|---:|\n");
  const auto timer = [&](const std::function<void()>& f) { return cuda::time_ms(f, o.warmup, o.repeat); };
  Rng rng(4242);
  int failures = 0;
  double tot[6] = {0, 0, 0, 0, 0, 0};
  for (const ExchangeShape& e : hrnet_exchange_shapes(g)) {
    if (e.up_terms() == 0 || !label_selected(e.label, o.filter)) continue;
    Unit u = make_unit(e, rng);
    cuda::DeviceWorkspace ws;
    run_unfused(u, ws);
    run_native(u);
    run_lib_fused(u, ws);
    run_unit(u);
    run_sum_unfused(u);
    run_sum_fused(u);
    const double err_native = error_vs(u.out_unfused, u.out_native), err_lib = error_vs(u.out_unfused, u.out_lib);
    const double err_unit = error_vs(u.out_unfused, u.out_unit), err_sum = error_vs(u.sum_unfused, u.sum_fused);
    const bool ok_native = err_native <= kTolerance, ok_lib = err_lib <= kTolerance, ok_sum = err_sum <= kTolerance;
    const bool ok_unit = err_unit <= kTolerance;
    failures += !ok_native + !ok_lib + !ok_unit + !ok_sum;
    // A workspace per run: DeviceWorkspace keeps what it hands out until it dies, so one shared
    // across the timed runs would make every library call allocate inside the timed region.
    const double t_unf = timer([&] {
      cuda::DeviceWorkspace w;
      run_unfused(u, w);
    });
    const double t_nat = ok_native ? timer([&] { run_native(u); }) : 0;
    const double t_lib = ok_lib ? timer([&] {
      cuda::DeviceWorkspace w;
      run_lib_fused(u, w);
    }) : 0;
    const double t_unit = ok_unit ? timer([&] { run_unit(u); }) : 0;
    const double t_su = timer([&] { run_sum_unfused(u); });
    const double t_sf = ok_sum ? timer([&] { run_sum_fused(u); }) : 0;
    const double t[6] = {t_unf, t_nat, t_lib, t_unit, t_su, t_sf};
    for (int k = 0; k < 6; ++k) tot[k] += e.count * t[k];
    fmt::print("| {} | {} | N{} {}x{}x{} | {} | {:.3f} | {} | {} | {} | {:.3f} | {} |\n", e.label, e.count, e.N,
               e.h[size_t(e.out)], e.w[size_t(e.out)], e.c[size_t(e.out)], e.up_terms(), t_unf,
               timed_cell(ok_native, err_native, t_nat, t_unf), timed_cell(ok_lib, err_lib, t_lib, t_unf),
               timed_cell(ok_unit, err_unit, t_unit, t_unf), t_su, timed_cell(ok_sum, err_sum, t_sf, t_su));
    std::fflush(stdout);
    results.push_back({{"table", "exchange"}, {"geometry", geometry_title(g)}, {"label", e.label},
                       {"count", e.count}, {"unfused_ms", t_unf}, {"native_fused_ms", t_nat},
                       {"native_fused_error", err_native}, {"lib_fused_sum_ms", t_lib},
                       {"lib_fused_sum_error", err_lib}, {"native_unit_ms", t_unit},
                       {"native_unit_error", err_unit}, {"sum_unfused_ms", t_su}, {"sum_fused_ms", t_sf},
                       {"sum_fused_error", err_sum}});
  }
  const auto ratio = [](double a, double b) { return b > 0 ? fmt::format(" ({:.2f}x)", a / b) : std::string(); };
  fmt::print("| **total (count-weighted)** | | | | {:.3f} | {:.3f}{} | {:.3f}{} | {:.3f}{} | {:.3f} | {:.3f}{} |\n\n",
             tot[0], tot[1], ratio(tot[0], tot[1]), tot[2], ratio(tot[0], tot[2]), tot[3], ratio(tot[0], tot[3]), tot[4],
             tot[5], ratio(tot[4], tot[5]));
  if (failures > 0) fmt::print("FAIL: {} fused exchange variants disagree with the unfused sequence\n\n", failures);
  return failures;
}

}  // namespace hr::bench
