#include "engine/module.h"

#include "engine/cuda/device.h"
#include "engine/ops.h"
#include "engine/ops/dispatch.h"
#include "kernels/elementwise/elementwise.h"
#include "kernels/batchnorm/batchnorm.h"
#include "kernels/common/conv_shape.h"

#include <atomic>
#include <cmath>

namespace hr {

void Module::train(bool on) {
  training_ = on;
  for (auto& [name, child] : children_) child->train(on);
}

Var Module::register_parameter(const std::string& name, Tensor value) {
  params_.emplace_back(name, Var(std::move(value), /*requires_grad=*/true));
  return params_.back().second;
}

Tensor Module::register_buffer(const std::string& name, Tensor value) {
  buffers_.emplace_back(name, std::move(value));
  return buffers_.back().second;
}

void Module::collect(const std::string& prefix, std::vector<std::pair<std::string, Var>>* params,
                     std::vector<std::pair<std::string, Tensor>>* buffers,
                     std::vector<std::pair<std::string, Tensor>>* state) const {
  for (const auto& [name, v] : params_) {
    if (params) params->emplace_back(prefix + name, v);
    if (state) state->emplace_back(prefix + name, v.value());
  }
  for (const auto& [name, t] : buffers_) {
    if (buffers) buffers->emplace_back(prefix + name, t);
    if (state) state->emplace_back(prefix + name, t);
  }
  for (const auto& [name, child] : children_) child->collect(prefix + name + ".", params, buffers, state);
}

std::vector<std::pair<std::string, Var>> Module::named_parameters(const std::string& prefix) const {
  std::vector<std::pair<std::string, Var>> out;
  collect(prefix, &out, nullptr, nullptr);
  return out;
}

std::vector<std::pair<std::string, Tensor>> Module::named_buffers(const std::string& prefix) const {
  std::vector<std::pair<std::string, Tensor>> out;
  collect(prefix, nullptr, &out, nullptr);
  return out;
}

std::vector<std::pair<std::string, Tensor>> Module::state_dict(const std::string& prefix) const {
  std::vector<std::pair<std::string, Tensor>> out;
  collect(prefix, nullptr, nullptr, &out);
  return out;
}

std::vector<std::pair<std::string, Module*>> Module::named_modules(const std::string& prefix) {
  std::vector<std::pair<std::string, Module*>> out{{prefix, this}};
  for (const auto& [name, child] : children_) {
    auto sub = child->named_modules(prefix.empty() ? name : prefix + "." + name);
    out.insert(out.end(), sub.begin(), sub.end());
  }
  return out;
}

Module* ModuleList::at(int index) const {
  for (const auto& [i, m] : items_)
    if (i == index) return m.get();
  return nullptr;
}

std::vector<Var> Module::parameters() const {
  std::vector<Var> out;
  for (auto& [name, v] : named_parameters()) out.push_back(v);
  return out;
}

int64_t Module::num_parameters() const {
  int64_t n = 0;
  for (auto& [name, v] : named_parameters()) n += v.value().numel();
  return n;
}

void Module::zero_grad() {
  for (auto& [name, v] : named_parameters()) v.zero_grad();
}

void Module::to(Device device) {
  for (auto& [name, v] : params_) v.value() = v.value().to(device);
  for (auto& [name, t] : buffers_) t = t.to(device);
  for (auto& [name, child] : children_) child->to(device);
}

void Module::to(DType dtype) {
  for (auto& [name, v] : params_) v.value() = v.value().to(dtype);
  for (auto& [name, t] : buffers_)
    if (t.dtype() != DType::i64) t = t.to(dtype);  // counters stay integers
  for (auto& [name, child] : children_) child->to(dtype);
}

// ---- Conv2d --------------------------------------------------------------------
Conv2d::Conv2d(int in_ch, int out_ch, int k, int s, bool bias)
    : in_channels(in_ch), out_channels(out_ch), kernel(k), stride(s) {
  HR_CHECK(k == 1 || k == 3, "Conv2d: kernel must be 1 or 3, got {}", k);
  weight_ = register_parameter("weight", Tensor::zeros(Shape{out_ch, k, k, in_ch}));
  if (bias) bias_ = register_parameter("bias", Tensor::zeros(Shape{out_ch}));
}

namespace {
thread_local ConvObserver* g_conv_observer = nullptr;
std::atomic<bool> g_bn_relu_recompute{true};  // set_bn_relu_recompute
}

ConvObserverScope::ConvObserverScope(ConvObserver& obs) : prev_(g_conv_observer) { g_conv_observer = &obs; }
ConvObserverScope::~ConvObserverScope() { g_conv_observer = prev_; }

Var Conv2d::forward(const Var& x) const {
  if (g_conv_observer == nullptr) return ops::conv2d(x, weight_, bias_, stride);
  const Shape& in = x.shape();
  HR_CHECK(in.ndim() == 4 && in[3] == in_channels, "Conv2d({} -> {}): input {} has the wrong shape",
           in_channels, out_channels, x.value().desc());
  const Shape out{in[0], kern::conv_out_size(int(in[1]), kernel, stride),
                  kern::conv_out_size(int(in[2]), kernel, stride), out_channels};
  g_conv_observer->on_conv(*this, in, out);
  if (g_conv_observer->skip_compute) return Var(Tensor::zeros(out, x.dtype(), x.device()));
  return ops::conv2d(x, weight_, bias_, stride);
}

void Conv2d::init_normal(Rng& rng, double stddev) {
  Var w = weight_;
  w.value().copy_from(randn(w.shape(), rng, stddev, w.dtype()).to(w.device()));
  if (bias_.defined()) {
    Var b = bias_;
    b.value().zero_();
  }
}

// ---- BatchNorm2d -----------------------------------------------------------------
BatchNorm2d::BatchNorm2d(int c, double m, double e) : channels(c), momentum(m), eps(e) {
  weight_ = register_parameter("weight", Tensor::full(Shape{c}, 1.0));
  bias_ = register_parameter("bias", Tensor::zeros(Shape{c}));
  register_buffer("running_mean", Tensor::zeros(Shape{c}));
  register_buffer("running_var", Tensor::full(Shape{c}, 1.0));
  register_buffer("num_batches_tracked", Tensor::zeros(Shape{}, DType::i64));
}

Var BatchNorm2d::forward(const Var& x) { return forward_act(x, Var(), false); }

void BatchNorm2d::count_batch() {
  Tensor& n = num_batches_tracked();
  if (n.is_cpu()) {
    n.data<int64_t>()[0] += 1;
  } else {
#if defined(HRNET_WITH_CUDA)
    kern::increment_i64_cuda(n.data<int64_t>(), cuda::compute_stream());  // no host round trip
#endif
  }
}

Var BatchNorm2d::forward_act(const Var& x, const Var& residual, bool relu) {
  if (is_training()) count_batch();
  return ops::batch_norm_act(x, weight_, bias_, running_mean(), running_var(), is_training(), momentum, eps,
                             residual, relu);
}

Var BatchNorm2d::forward_relu_conv(const Var& x, const Conv2d& conv) {
  // A conv observer (summary) must see the conv call; eval has nothing to recompute.
  if (!is_training() || g_conv_observer != nullptr || !g_bn_relu_recompute.load())
    return conv.forward(forward_act(x, Var(), true));
  count_batch();
  return ops::batch_norm_relu_conv2d(x, weight_, bias_, running_mean(), running_var(), momentum, eps,
                                     conv.weight(), conv.bias(), conv.stride);
}

// ---- conv + batch norm ----------------------------------------------------------
namespace {
std::atomic<bool> g_bn_folding{true};
std::atomic<int64_t> g_bn_folds{0};

// The folded weight and bias of conv followed by eval-mode bn, in the conv's dtype.
template <typename T>
void fold_bn(const Conv2d& conv, BatchNorm2d& bn, Tensor& w, Tensor& b) {
  const int64_t cout = conv.out_channels;
  const int64_t per_out = conv.weight().value().numel() / cout;
  const T* w0 = conv.weight().value().data<T>();
  const T* b0 = conv.bias().defined() ? conv.bias().value().data<T>() : nullptr;
  const T* gamma = bn.weight().value().data<T>();
  const T* beta = bn.bias().value().data<T>();
  const T* mean = bn.running_mean().data<T>();
  const T* var = bn.running_var().data<T>();
  T* wf = w.data<T>();
  T* bf = b.data<T>();
  for (int64_t co = 0; co < cout; ++co) {
    const double s = kern::bn_fold_scale(gamma[co], var[co], bn.eps);
    for (int64_t k = 0; k < per_out; ++k) wf[co * per_out + k] = T(double(w0[co * per_out + k]) * s);
    bf[co] = kern::bn_fold_bias(b0 ? double(b0[co]) : 0.0, mean[co], beta[co], s);
  }
}

// The same fold on the device (kern::bn_fold_cuda runs bn_fold_scale / bn_fold_bias per element).
void fold_bn_cuda(const Conv2d& conv, BatchNorm2d& bn, Tensor& w, Tensor& b) {
#if defined(HRNET_WITH_CUDA)
  const Tensor& w0 = conv.weight().value();
  const Tensor* bn_tensors[] = {&bn.weight().value(), &bn.bias().value(), &bn.running_mean(), &bn.running_var()};
  for (const Tensor* t : bn_tensors)
    ops::detail::check_compatible("conv_bn fold", w0, *t, "batch norm parameter");
  kern::bn_fold_cuda(conv.out_channels, w0.numel() / conv.out_channels, w0.data<float>(),
                     conv.bias().defined() ? conv.bias().value().data<float>() : nullptr,
                     bn.weight().value().data<float>(), bn.bias().value().data<float>(),
                     bn.running_mean().data<float>(), bn.running_var().data<float>(), bn.eps, w.data<float>(),
                     b.data<float>(), cuda::compute_stream());
#else
  fail("conv_bn: weights {} are on CUDA but this build has no CUDA backend", w.desc());
#endif
}

}  // namespace

bool set_bn_folding(bool on) { return g_bn_folding.exchange(on); }
bool set_bn_relu_recompute(bool on) { return g_bn_relu_recompute.exchange(on); }
int64_t bn_fold_count() { return g_bn_folds.load(); }

bool folded_conv_bn(const Conv2d& conv, BatchNorm2d& bn, const Var& x, Tensor& wf, Tensor& bf) {
  const Tensor& w = conv.weight().value();
  const bool fold = g_bn_folding.load() && !bn.is_training() && !grad_enabled() &&
                    g_conv_observer == nullptr && w.device() == x.value().device() &&
                    bn.channels == conv.out_channels &&
                    (w.dtype() == DType::f32 || w.dtype() == DType::f64);
  if (!fold) return false;
  wf = Tensor::empty(w.shape(), w.dtype(), w.device());
  bf = Tensor::empty(Shape{conv.out_channels}, w.dtype(), w.device());
  if (w.device() == Device::CUDA)
    fold_bn_cuda(conv, bn, wf, bf);
  else if (w.dtype() == DType::f32)
    fold_bn<float>(conv, bn, wf, bf);
  else
    fold_bn<double>(conv, bn, wf, bf);
  g_bn_folds.fetch_add(1);
  return true;
}

Var conv_bn(const Conv2d& conv, BatchNorm2d& bn, const Var& x, bool relu, const Var& residual) {
  Tensor wf, bf;
  if (folded_conv_bn(conv, bn, x, wf, bf)) {
    const Var y = ops::conv2d(x, Var(wf), Var(bf), conv.stride);
    if (residual.defined()) return relu ? ops::add_relu(y, residual) : ops::add(y, residual);
    return relu ? ops::relu(y) : y;
  }
  return bn.forward_act(conv.forward(x), residual, relu);
}

}  // namespace hr
