// ops::fuse_sum_relu: the exchange unit's sum in one pass (kernels/exchange/exchange.h).
#include <fmt/ranges.h>

#include <bit>
#include <vector>

#include "engine/ops.h"
#include "engine/cuda/device.h"
#include "engine/ops/dispatch.h"
#include "kernels/exchange/exchange.h"

namespace hr::ops {

using detail::dispatch;

namespace {

// The output extents and each term's log2 factor, after every check.
struct FuseLayout {
  int N = 0, H = 0, W = 0, C = 0;
  std::vector<int> log2;
};

FuseLayout fuse_layout(const std::vector<Var>& terms, const std::vector<int>& factors) {
  HR_CHECK(!terms.empty(), "fuse_sum_relu: no terms");
  HR_CHECK(terms.size() == factors.size(), "fuse_sum_relu: {} terms but {} factors", terms.size(), factors.size());
  HR_CHECK(int(terms.size()) <= kern::kExchangeMaxTerms, "fuse_sum_relu: {} terms; at most {} are supported",
           terms.size(), kern::kExchangeMaxTerms);
  FuseLayout L;
  int out = -1;  // the term that sets the output shape
  for (size_t t = 0; t < terms.size(); ++t) {
    const int f = factors[t];
    HR_CHECK(f >= 1 && std::has_single_bit(unsigned(f)) && f <= (1 << kern::kExchangeMaxLog2),
             "fuse_sum_relu: term {} has factor {}; factors are powers of two from 1 to {}", t, f,
             1 << kern::kExchangeMaxLog2);
    L.log2.push_back(std::countr_zero(unsigned(f)));
    HR_CHECK(terms[t].defined(), "fuse_sum_relu: term {} is an undefined Var", t);
    const Tensor& X = terms[t].value();
    check_defined(X, "fuse_sum_relu term");
    check_ndim(X, 4, "fuse_sum_relu term");
    const Tensor& X0 = terms[0].value();
    HR_CHECK(X.dtype() == X0.dtype() && X.device() == X0.device(), "fuse_sum_relu: term {} is {} but term 0 is {}", t,
             X.desc(), X0.desc());
    if (out < 0 && f == 1) out = int(t);
  }
  HR_CHECK(out >= 0, "fuse_sum_relu: no term has factor 1, so the output size is undefined (factors {})",
           fmt::join(factors, ", "));
  const Tensor& O = terms[size_t(out)].value();
  L.N = int(O.size(0)), L.H = int(O.size(1)), L.W = int(O.size(2)), L.C = int(O.size(3));
  for (size_t t = 0; t < terms.size(); ++t) {
    const Shape want{L.N, kern::exchange_low_extent(L.H, L.log2[t]), kern::exchange_low_extent(L.W, L.log2[t]), L.C};
    const Tensor& X = terms[t].value();
    HR_CHECK(X.shape() == want,
             "fuse_sum_relu: term {} is {} but factor {} over the output {} (the shape of term {}, the first with "
             "factor 1) needs {} (ceil of the output size over the factor)",
             t, X.desc(), factors[t], O.shape().str(), out, want.str());
  }
  return L;
}

// The kernel descriptor without pointers; forward_desc and backward_desc add them.
template <typename T>
kern::ExchangeDesc<T> layout_desc(const FuseLayout& L) {
  kern::ExchangeDesc<T> d;
  d.N = L.N, d.H = L.H, d.W = L.W, d.C = L.C;
  d.count = int(L.log2.size());
  for (int t = 0; t < d.count; ++t) d.term[t].log2_factor = L.log2[size_t(t)];
  return d;
}

template <typename T>
kern::ExchangeDesc<T> forward_desc(const FuseLayout& L, const std::vector<Var>& terms) {
  kern::ExchangeDesc<T> d = layout_desc<T>(L);
  for (int t = 0; t < d.count; ++t) d.term[t].x = terms[size_t(t)].value().data<T>();
  return d;
}

// A term whose input needs no gradient has an undefined gin tensor: null dx, skipped.
template <typename T>
kern::ExchangeDesc<T> backward_desc(const FuseLayout& L, std::vector<Tensor>& gin) {
  kern::ExchangeDesc<T> d = layout_desc<T>(L);
  for (int t = 0; t < d.count; ++t)
    if (gin[size_t(t)].defined()) d.term[t].dx = gin[size_t(t)].data<T>();
  return d;
}

}  // namespace


Var fuse_sum_relu(const std::vector<Var>& terms, const std::vector<int>& factors) {
  const FuseLayout L = fuse_layout(terms, factors);
  const Tensor& X0 = terms[0].value();
  Tensor Y = Tensor::empty(Shape{L.N, L.H, L.W, L.C}, X0.dtype(), X0.device());
  dispatch("fuse_sum_relu", X0, [&](auto tag) {
    using T = decltype(tag);
    kern::exchange_forward_cpu<T>(forward_desc<T>(L, terms), Y.data<T>());
  }, [&](auto) {
    kern::exchange_forward_cuda(forward_desc<float>(L, terms), Y.data<float>(), cuda::compute_stream());
  });
  return record_op1("fuse_sum_relu", terms, Y, [Y, L](const std::vector<Tensor>& gout, std::vector<Tensor>& gin) {
    dispatch("fuse_sum_relu backward", Y, [&](auto tag) {
      using T = decltype(tag);
      kern::exchange_backward_cpu<T>(backward_desc<T>(L, gin), Y.data<T>(), gout[0].data<T>());
    }, [&](auto) {
      kern::exchange_backward_cuda(backward_desc<float>(L, gin), Y.data<float>(), gout[0].data<float>(),
                                   cuda::compute_stream());
    });
  });
}

}  // namespace hr::ops
