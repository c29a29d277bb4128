// Modules: named parameters and buffers in registration order, so that a network's names are
// the official PyTorch state_dict keys ("stage2.0.fuse_layers.0.1.1.running_mean"), and a
// training/eval flag that batch norm obeys.
#pragma once
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/autograd.h"
#include "engine/random.h"

namespace hr {

class Module {
 public:
  virtual ~Module() = default;
  Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  void train(bool on = true);  // recursive
  void eval() { train(false); }
  bool is_training() const { return training_; }

  // PyTorch's order: own parameters, own buffers, then each child recursively.
  std::vector<std::pair<std::string, Var>> named_parameters(const std::string& prefix = "") const;
  std::vector<std::pair<std::string, Tensor>> named_buffers(const std::string& prefix = "") const;
  // Parameters and buffers together, as a state_dict lists them.
  std::vector<std::pair<std::string, Tensor>> state_dict(const std::string& prefix = "") const;
  // Every module below this one (itself first, named ""), depth first in registration order.
  std::vector<std::pair<std::string, Module*>> named_modules(const std::string& prefix = "");
  std::vector<Var> parameters() const;
  int64_t num_parameters() const;
  void zero_grad();
  // Moves every parameter and buffer to `device` / converts them to `dtype`. Parameter Vars
  // keep their identity (their value is replaced in place), so optimizers stay valid.
  void to(Device device);
  void to(DType dtype);

 protected:
  Var register_parameter(const std::string& name, Tensor value);
  Tensor register_buffer(const std::string& name, Tensor value);
  template <typename M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> m) {
    children_.emplace_back(name, m);
    return m;
  }
  Var& param(size_t i) { return params_[i].second; }
  Tensor& buffer(size_t i) { return buffers_[i].second; }

 private:
  void collect(const std::string& prefix, std::vector<std::pair<std::string, Var>>* params,
               std::vector<std::pair<std::string, Tensor>>* buffers,
               std::vector<std::pair<std::string, Tensor>>* state) const;

  bool training_ = true;
  std::vector<std::pair<std::string, Var>> params_;
  std::vector<std::pair<std::string, Tensor>> buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
};

// An ordered container with numeric child names, like nn.Sequential / nn.ModuleList. Indices
// may be skipped (a None entry of a ModuleList still takes its index but owns no keys).
class ModuleList : public Module {
 public:
  template <typename M>
  std::shared_ptr<M> add(int index, std::shared_ptr<M> m) {
    items_.emplace_back(index, m);
    return register_module(std::to_string(index), m);
  }
  // The child registered under `index`, or nullptr for a skipped index.
  Module* at(int index) const;
  template <typename M>
  M* get(int index) const { return dynamic_cast<M*>(at(index)); }
  size_t size() const { return items_.size(); }

 private:
  std::vector<std::pair<int, std::shared_ptr<Module>>> items_;
};

// Conv2d as the official networks use it: square kernel 1 or 3, padding K/2, optional bias.
// Weight in engine layout [Cout][K][K][Cin]; the PyTorch importer transposes [Cout][Cin][K][K].
class Conv2d : public Module {
 public:
  Conv2d(int in_channels, int out_channels, int kernel, int stride, bool bias);
  Var forward(const Var& x) const;
  // The official initialisation: weight ~ N(0, std), bias 0.
  void init_normal(Rng& rng, double stddev);

  const Var& weight() const { return weight_; }
  const Var& bias() const { return bias_; }
  int in_channels, out_channels, kernel, stride;

 private:
  Var weight_, bias_;
};

// BatchNorm2d with PyTorch's defaults: momentum 0.1, eps 1e-5, weight 1, bias 0, running
// mean 0 and variance 1, and num_batches_tracked counted in training mode.
class BatchNorm2d : public Module {
 public:
  explicit BatchNorm2d(int channels, double momentum = 0.1, double eps = 1e-5);
  Var forward(const Var& x);
  // relu?(bn(x) + residual?) in the same passes (ops::batch_norm_act); residual may be undefined.
  Var forward_act(const Var& x, const Var& residual, bool relu);
  // conv(relu(bn(x))): in training through ops::batch_norm_relu_conv2d (the BN + ReLU output is
  // recomputed in the backward rather than kept; the same numbers), else the two in sequence.
  Var forward_relu_conv(const Var& x, const Conv2d& conv);

  const Var& weight() const { return weight_; }
  const Var& bias() const { return bias_; }
  Tensor& running_mean() { return buffer(0); }
  Tensor& running_var() { return buffer(1); }
  Tensor& num_batches_tracked() { return buffer(2); }
  int channels;
  double momentum, eps;

 private:
  void count_batch();  // num_batches_tracked += 1 (training forwards)
  Var weight_, bias_;
};

// conv, then bn, then (with `residual`) the residual add, then (with `relu`) a ReLU: how
// HRNet's blocks call their layers. Unfolded, the BN, the add and the ReLU are one fused op
// (ops::batch_norm_act), with the same results as the three in sequence.
// In eval mode with autograd off (NoGradGuard), on the CPU or on CUDA (kern::bn_fold_cuda), the
// batch norm is folded into the
// convolution: w' = w * s, b' = (b - running_mean) * s + beta with s = gamma / sqrt(var + eps),
// computed in double from the current parameters at every call (nothing is cached, so loading
// new weights or running statistics is always seen). That saves the BN's pass over the
// activations; outputs equal the unfolded path to float rounding. Training, eval with
// gradients on, conv observers and set_bn_folding(false) run conv then bn.
Var conv_bn(const Conv2d& conv, BatchNorm2d& bn, const Var& x, bool relu = false, const Var& residual = Var());
// The folded weight and bias conv_bn uses for conv then bn on x (filled, true), or false where
// conv_bn would not fold (training, gradients on, an observer, folding off, another device).
bool folded_conv_bn(const Conv2d& conv, BatchNorm2d& bn, const Var& x, Tensor& w, Tensor& b);

// Turns eval-mode BN folding on or off for the whole process (on by default); returns the
// previous setting. For tests and side-by-side benchmarks.
bool set_bn_folding(bool on);
// How many conv_bn calls have run folded in this process (tests check that folding happens).
int64_t bn_fold_count();
// Whether BatchNorm2d::forward_relu_conv recomputes the BN + ReLU output in the backward
// (default on; the same numbers either way, on saves one activation per use); returns the
// previous setting. Off: batch_norm_act then conv2d, for comparisons.
bool set_bn_relu_recompute(bool on);

// Sees every Conv2d forward on this thread while a ConvObserverScope is alive: how summaries
// count multiply-adds per layer. With skip_compute the convolution's arithmetic is skipped and
// a zero output of the right shape is returned, so counting a W48 network at 384x288 is instant.
class ConvObserver {
 public:
  virtual ~ConvObserver() = default;
  virtual void on_conv(const Conv2d& conv, const Shape& input, const Shape& output) = 0;
  bool skip_compute = false;
};

class ConvObserverScope {
 public:
  explicit ConvObserverScope(ConvObserver& obs);
  ~ConvObserverScope();
  ConvObserverScope(const ConvObserverScope&) = delete;
  ConvObserverScope& operator=(const ConvObserverScope&) = delete;

 private:
  ConvObserver* prev_;
};

}  // namespace hr
