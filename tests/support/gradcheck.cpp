#include "support/gradcheck.h"

#include <fmt/format.h>

#include <cmath>

namespace hr::test {
namespace {

double weighted_sum(const Tensor& y, const Tensor& r) {
  const double* a = y.data<double>();
  const double* b = r.data<double>();
  double s = 0.0;
  for (int64_t i = 0; i < y.numel(); ++i) s += a[i] * b[i];
  return s;
}

}  // namespace

GradcheckReport gradcheck(const Fn& f, const std::vector<Tensor>& inputs, double eps, uint64_t seed) {
  for (const Tensor& t : inputs) {
    HR_CHECK(t.dtype() == DType::f64 && t.is_cpu(), "gradcheck inputs must be f64 CPU tensors, got {}",
             t.desc());
  }
  // Analytic gradients.
  std::vector<Var> vars;
  for (const Tensor& t : inputs) vars.emplace_back(t.clone(), true);
  Var y = f(vars);
  Rng rng(seed);
  const Tensor R = randn(y.shape(), rng, 1.0, DType::f64);
  y.backward(R);

  // Numeric gradients, one element at a time, with gradients off.
  NoGradGuard no_grad;
  std::vector<Var> probe;
  for (const Tensor& t : inputs) probe.emplace_back(t.clone(), false);
  GradcheckReport rep;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Tensor& g = vars[i].grad();
    HR_CHECK(g.defined(), "gradcheck: input {} received no gradient", i);
    double* x = probe[i].value().data<double>();
    const double* a = g.data<double>();
    double max_abs_diff = 0.0, max_num = 0.0;
    int64_t worst_k = 0;
    for (int64_t k = 0; k < inputs[i].numel(); ++k) {
      const double x0 = x[k];
      x[k] = x0 + eps;
      const double lp = weighted_sum(f(probe).value(), R);
      x[k] = x0 - eps;
      const double lm = weighted_sum(f(probe).value(), R);
      x[k] = x0;
      const double num = (lp - lm) / (2.0 * eps);
      max_num = std::max(max_num, std::abs(num));
      const double diff = std::abs(num - a[k]);
      if (diff > max_abs_diff) {
        max_abs_diff = diff;
        worst_k = k;
      }
      ++rep.elements_checked;
    }
    const double rel = max_abs_diff / (max_num + 1e-12);
    if (rel >= rep.max_rel_error) {
      rep.max_rel_error = rel;
      rep.worst = fmt::format("input {} element {}: analytic {:.10g}, max|numeric| {:.4g}", i, worst_k,
                              a[worst_k], max_num);
    }
  }
  return rep;
}

}  // namespace hr::test
