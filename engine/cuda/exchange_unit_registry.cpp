#include "engine/cuda/exchange_unit_registry.h"

#include <fmt/format.h>

#include <memory>
#include <vector>

#include "engine/cuda/conv_registry.h"
#include "engine/cuda/device.h"
#include "engine/cuda/timing.h"
#include "engine/error.h"
#include "engine/random.h"
#include "engine/registry/measure.h"
#include "kernels/common/math_mode.h"
#include "kernels/conv/conv.h"
#include "kernels/exchange/exchange.h"

namespace hr::cuda {
namespace {

constexpr const char* kCudnn = "cudnn";
constexpr const char* kNative = "native_f32";
constexpr int kWarmup = 2, kRepeat = 5;

double tolerance() { return kern::cuda_tf32() ? 5e-3 : 1e-4; }

// The baseline: every conv term into its own buffer (library conv; a bias-only affine as the
// conv's bias), then one fused sum over the buffers and identities, with scale and shift in
// the sum's affine slot.
void run_baseline(const kern::ExchangeUnitDesc& d, float* y, kern::Workspace& ws, kern::Stream stream) {
  kern::ExchangeDesc<float> sum;
  sum.N = d.N, sum.H = d.H, sum.W = d.W, sum.C = d.C, sum.count = d.count;
  for (int k = 0; k < d.count; ++k) {
    const kern::UnitTerm& t = d.term[k];
    kern::ExchangeTerm<float>& s = sum.term[k];
    s.log2_factor = t.log2_up;
    if (!t.w) {
      s.x = t.x;
      continue;
    }
    float* z = static_cast<float*>(ws.get(size_t(t.conv.out_elems()) * sizeof(float)));
    kern::conv2d_forward_cuda(t.conv, t.x, t.w, t.scale ? nullptr : t.shift, z, ws, stream);
    s.x = z;
    if (t.scale) s.scale = t.scale, s.shift = t.shift;
  }
  if (!d.relu) fail("exchange unit baseline: the fused sum always applies the ReLU; this unit has none");
  kern::exchange_forward_cuda(sum, y, stream);
}

// Device buffers of one trial.
struct Scratch {
  kern::ExchangeUnitDesc d;        // pointing into `buffers`
  std::vector<Tensor> buffers;
  std::vector<Tensor> out;         // one per version
  std::vector<float> baseline;
};

Tensor random_tensor(int64_t n, Rng& rng, double scale) { return randn(Shape{n > 0 ? n : 1}, rng, scale).to(Device::CUDA); }

}  // namespace

registry::OpInfo exchange_unit_op() { return {kExchangeUnitOp, {{kCudnn, 0}, {kNative, tolerance()}}}; }

std::string exchange_unit_shape_key(const kern::ExchangeUnitDesc& d) {
  std::string s = fmt::format("N{} {}x{}x{}{}", d.N, d.H, d.W, d.C, d.relu ? " relu" : "");
  for (int k = 0; k < d.count; ++k) {
    const kern::UnitTerm& t = d.term[k];
    if (!t.w)
      s += " | id";
    else
      s += fmt::format(" | {}x{}/{} {}@{}x{}", t.conv.K, t.conv.K, t.conv.stride, t.conv.Cin, t.conv.H, t.conv.W);
    if (t.log2_up) s += fmt::format(" up{}", 1 << t.log2_up);
    if (t.scale) s += " scale";
    if (t.shift) s += " shift";
  }
  return s + (kern::cuda_tf32() ? " tf32" : " fp32");
}

registry::Trial make_exchange_unit_trial(const kern::ExchangeUnitDesc& desc, const registry::OpInfo& op,
                                         std::function<double(const std::function<void()>&)> time_ms) {
  auto s = std::make_shared<Scratch>();
  s->d = desc;
  Rng rng(20261205);
  for (int k = 0; k < desc.count; ++k) {
    kern::UnitTerm& t = s->d.term[k];
    const kern::UnitTerm& src = desc.term[k];
    const int64_t in = src.w ? src.conv.in_elems()
                             : int64_t(desc.N) * kern::exchange_low_extent(desc.H, src.log2_up) *
                                   kern::exchange_low_extent(desc.W, src.log2_up) * desc.C;
    s->buffers.push_back(random_tensor(in, rng, 1.0));
    t.x = s->buffers.back().data<float>();
    if (!src.w) continue;
    s->buffers.push_back(random_tensor(src.conv.weight_elems(), rng, 1.0 / std::sqrt(double(src.conv.patch()))));
    t.w = s->buffers.back().data<float>();
    if (src.scale) {
      s->buffers.push_back(random_tensor(desc.C, rng, 0.5));
      t.scale = s->buffers.back().data<float>();
    }
    if (src.shift) {
      s->buffers.push_back(random_tensor(desc.C, rng, 0.5));
      t.shift = s->buffers.back().data<float>();
    }
  }
  for (size_t v = 0; v < op.versions.size(); ++v)
    s->out.push_back(Tensor::zeros(Shape{desc.N, desc.H, desc.W, desc.C}, DType::f32, Device::CUDA));

  registry::Trial trial;
  trial.time_ms = std::move(time_ms);
  for (size_t v = 0; v < op.versions.size(); ++v) {
    registry::Candidate c;
    const std::string name = op.versions[v].name;
    if (name == kNative) c.unsupported = kern::exchange_unit_unsupported(s->d);
    c.run = [s, v, name] {
      DeviceWorkspace ws;
      run_exchange_unit_version(name, s->d, s->out[v].data<float>(), ws, compute_stream());
    };
    c.error = [s, v] {
      if (s->baseline.empty()) s->baseline = s->out[0].to_vector<float>();
      return registry::max_normalized_error(s->baseline, s->out[v].to_vector<float>());
    };
    trial.candidates.push_back(std::move(c));
  }
  return trial;
}

std::string choose_exchange_unit_version(const kern::ExchangeUnitDesc& d) {
  registry::KernelRegistry& reg = engine_registry();
  return reg.choose(kExchangeUnitOp, exchange_unit_shape_key(d), [&] {
    return make_exchange_unit_trial(d, reg.op(kExchangeUnitOp),
                                    [](const std::function<void()>& run) { return time_ms(run, kWarmup, kRepeat); });
  });
}

void run_exchange_unit_version(std::string_view version, const kern::ExchangeUnitDesc& d, float* y,
                               kern::Workspace& ws, kern::Stream stream) {
  if (version == kCudnn) return run_baseline(d, y, ws, stream);
  if (version == kNative) return kern::exchange_unit_forward_cuda(d, y, stream);
  fail("exchange unit registry: unknown version '{}'; valid: {}", version, exchange_unit_op().version_list());
}

}  // namespace hr::cuda
