// ops::exchange_unit: the fused inference exchange unit (kernels/exchange/unit.h) on tensors.
#include <atomic>
#include <vector>

#include "engine/cuda/conv_registry.h"
#include "engine/cuda/device.h"
#include "engine/cuda/exchange_unit_registry.h"
#include "engine/ops.h"
#include "engine/ops/dispatch.h"
#include "kernels/common/conv_shape.h"
#include "kernels/exchange/unit.h"

namespace hr::ops {
namespace {

std::atomic<bool> g_forced{false};

// HRNET_KERNELS set: the engine consults the kernel registry (CUDA builds only).
bool conv_registry_on() {
#if defined(HRNET_WITH_CUDA)
  return cuda::conv_registry_enabled();
#else
  return false;
#endif
}
std::atomic<int64_t> g_count{0};

// The kernel descriptor, after the checks an op owes its caller (names the term at fault).
kern::ExchangeUnitDesc unit_desc(const std::vector<UnitTermInput>& terms, const Shape& out) {
  HR_CHECK(out.ndim() == 4, "exchange_unit: the output shape must be [N,H,W,C], got {}", out.str());
  HR_CHECK(!terms.empty() && int(terms.size()) <= kern::kExchangeMaxTerms, "exchange_unit: {} terms; 1 to {} are supported",
           terms.size(), kern::kExchangeMaxTerms);
  kern::ExchangeUnitDesc d;
  d.N = int(out[0]), d.H = int(out[1]), d.W = int(out[2]), d.C = int(out[3]);
  d.count = int(terms.size());
  const Tensor& X0 = terms[0].x;
  check_defined(X0, "exchange_unit term 0 input");
  for (size_t k = 0; k < terms.size(); ++k) {
    const UnitTermInput& in = terms[k];
    check_defined(in.x, "exchange_unit term input");
    for (const Tensor* t : {&in.x, &in.w, &in.bias}) {
      if (!t->defined()) continue;
      HR_CHECK(t->dtype() == DType::f32 && t->device() == X0.device(),
               "exchange_unit: term {} has {} but term 0's input is {} (f32 on one device)", k, t->desc(), X0.desc());
    }
    HR_CHECK(in.x.ndim() == 4, "exchange_unit: term {} input {} is not [N,H,W,C]", k, in.x.desc());
    kern::UnitTerm& t = d.term[k];
    t.x = in.x.data<float>();
    t.log2_up = in.log2_up;
    if (!in.w.defined()) {
      HR_CHECK(!in.bias.defined(), "exchange_unit: term {} is the identity and takes no bias", k);
      const Shape want{d.N, kern::exchange_low_extent(d.H, in.log2_up), kern::exchange_low_extent(d.W, in.log2_up), d.C};
      HR_CHECK(in.x.shape() == want, "exchange_unit: identity term {} is {}, the output {} needs {}", k, in.x.desc(),
               out.str(), want.str());
      continue;
    }
    HR_CHECK(in.w.ndim() == 4 && in.w.size(1) == in.w.size(2) && in.w.size(3) == in.x.size(3),
             "exchange_unit: term {} weight {} does not fit its input {} (want [C,K,K,Cin])", k, in.w.desc(),
             in.x.desc());
    t.conv = kern::make_conv_desc(int(in.x.size(0)), int(in.x.size(1)), int(in.x.size(2)), int(in.x.size(3)),
                                  int(in.w.size(0)), int(in.w.size(1)), in.stride);
    t.w = in.w.data<float>();
    if (in.bias.defined()) {
      HR_CHECK(in.bias.shape() == Shape{d.C}, "exchange_unit: term {} bias {} is not [{}]", k, in.bias.desc(), d.C);
      t.shift = in.bias.data<float>();
    }
  }
  return d;
}

kern::ExchangeUnitDesc supported_unit_desc(const std::vector<UnitTermInput>& terms, const Shape& out) {
  const kern::ExchangeUnitDesc d = unit_desc(terms, out);
  const std::string why = kern::exchange_unit_unsupported(d);
  HR_CHECK(why.empty(), "exchange_unit: {} ({})", why, kern::describe_exchange_unit(d));
  return d;
}

}  // namespace

Tensor exchange_unit(const std::vector<UnitTermInput>& terms, const Shape& out) {
  const kern::ExchangeUnitDesc d = supported_unit_desc(terms, out);
  const Tensor& X0 = terms[0].x;
  Tensor Y = Tensor::empty(out, DType::f32, X0.device());
  detail::dispatch("exchange_unit", X0, [&](auto tag) {
    HR_CHECK((std::is_same_v<decltype(tag), float>), "exchange_unit: f32 only, got {}", X0.desc());
    kern::exchange_unit_forward_cpu(d, Y.data<float>());
  }, [&](auto) {
    kern::exchange_unit_forward_cuda(d, Y.data<float>(), cuda::compute_stream());
  });
  g_count.fetch_add(1);
  return Y;
}

bool exchange_unit_selected(const std::vector<UnitTermInput>& terms, const Shape& out) {
  if (terms.empty() || !terms[0].x.defined() || terms[0].x.dtype() != DType::f32) return false;
  const bool forced = g_forced.load();
  if (!forced && (terms[0].x.device() == Device::CPU || !conv_registry_on())) return false;
  // A unit the kernel cannot take (grid or index limits) keeps the usual path.
  const kern::ExchangeUnitDesc d = unit_desc(terms, out);
  if (!kern::exchange_unit_unsupported(d).empty()) return false;
  if (forced) return true;
  bool chosen = false;
  detail::dispatch("exchange_unit", terms[0].x, [](auto) {}, [&](auto) {
    chosen = cuda::choose_exchange_unit_version(d) != "cudnn";
  });
  return chosen;
}

bool force_exchange_unit(bool on) { return g_forced.exchange(on); }
int64_t exchange_unit_count() { return g_count.load(); }

}  // namespace hr::ops
