// Define-by-run reverse-mode autograd on a tape.
//
// An op computes its outputs and, when gradients are enabled and an input requires one,
// appends a Node (inputs, outputs, backward function with its saved tensors) to the tape of
// the calling thread. backward() walks that tape in reverse: a node's backward receives the
// gradients of its outputs and ACCUMULATES into the gradients of its inputs (the engine
// zero-fills them on first use), so a variable used twice sums both contributions, and a
// parameter's .grad accumulates across backward() calls until zero_grad(). HRNet's graph is
// static per input size, which the CUDA backend will use to capture a whole step in a graph.
//
// A forward pass that will never be differentiated should run under NoGradGuard, or the tape
// keeps its activations alive until the next backward() or Tape::clear().
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/tensor.h"

namespace hr {

struct VarImpl {
  Tensor value;
  Tensor grad;  // undefined until a backward pass reaches it
  bool requires_grad = false;
  bool is_leaf = true;  // created by the user (parameters, inputs), not by an op
};

// A differentiable value: a shared handle, like Tensor.
class Var {
 public:
  Var() = default;
  explicit Var(Tensor value, bool requires_grad = false);

  bool defined() const { return impl_ != nullptr; }
  const Tensor& value() const;
  Tensor& value();
  const Tensor& grad() const;  // undefined if no gradient has reached this variable
  Tensor& grad();
  bool requires_grad() const { return impl_ && impl_->requires_grad; }
  void set_requires_grad(bool on);
  bool is_leaf() const { return impl_ && impl_->is_leaf; }
  void zero_grad();  // drops the accumulated gradient

  const Shape& shape() const { return value().shape(); }
  DType dtype() const { return value().dtype(); }
  Device device() const { return value().device(); }

  // Backward from a one-element loss (seed 1), or from any variable with an explicit seed
  // gradient of its shape. Clears the tape afterwards.
  void backward() const;
  void backward(const Tensor& seed) const;

  const std::shared_ptr<VarImpl>& impl() const { return impl_; }
  bool same(const Var& o) const { return impl_ == o.impl_; }

 private:
  std::shared_ptr<VarImpl> impl_;
};

// grad_outputs[i]: gradient of outputs[i] (zeros if nothing reached it).
// grad_inputs[i]: the tensor to accumulate into, or undefined if inputs[i] needs no gradient.
using BackwardFn =
    std::function<void(const std::vector<Tensor>& grad_outputs, std::vector<Tensor>& grad_inputs)>;

struct Node {
  const char* name;
  std::vector<std::shared_ptr<VarImpl>> inputs;
  std::vector<std::shared_ptr<VarImpl>> outputs;
  BackwardFn backward;
};

class Tape {
 public:
  void push(Node node) { nodes_.push_back(std::move(node)); }
  size_t size() const { return nodes_.size(); }
  // The recorded nodes in execution order (inspection and debugging tools).
  const std::vector<Node>& nodes() const { return nodes_; }
  void clear() { nodes_.clear(); }
  void backward(const std::shared_ptr<VarImpl>& root, const Tensor& seed);

 private:
  std::vector<Node> nodes_;
};

Tape& current_tape();  // one per thread

bool grad_enabled();
class NoGradGuard {
 public:
  NoGradGuard();
  ~NoGradGuard();
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool prev_;
};

// Makes op outputs from `values`; when gradients are enabled and any input requires one, the
// outputs require grad and a node with `backward` is recorded. Returns the output Vars.
std::vector<Var> record_op(const char* name, const std::vector<Var>& inputs,
                           std::vector<Tensor> values, BackwardFn backward);
Var record_op1(const char* name, const std::vector<Var>& inputs, Tensor value, BackwardFn backward);

}  // namespace hr
