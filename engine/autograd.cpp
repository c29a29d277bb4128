#include "engine/autograd.h"

#include "engine/error.h"
#include "engine/ops.h"

namespace hr {
namespace {
thread_local bool g_grad_enabled = true;
}

Var::Var(Tensor value, bool requires_grad) : impl_(std::make_shared<VarImpl>()) {
  check_defined(value, "Var value");
  impl_->value = std::move(value);
  impl_->requires_grad = requires_grad;
}

const Tensor& Var::value() const {
  HR_CHECK(impl_, "value() of an undefined Var");
  return impl_->value;
}
Tensor& Var::value() {
  HR_CHECK(impl_, "value() of an undefined Var");
  return impl_->value;
}
const Tensor& Var::grad() const {
  HR_CHECK(impl_, "grad() of an undefined Var");
  return impl_->grad;
}
Tensor& Var::grad() {
  HR_CHECK(impl_, "grad() of an undefined Var");
  return impl_->grad;
}

void Var::set_requires_grad(bool on) {
  HR_CHECK(impl_, "set_requires_grad on an undefined Var");
  HR_CHECK(impl_->is_leaf || on, "only leaf variables can stop requiring grad");
  impl_->requires_grad = on;
}

void Var::zero_grad() {
  if (impl_) impl_->grad = Tensor();
}

void Var::backward() const {
  HR_CHECK(impl_, "backward() of an undefined Var");
  HR_CHECK(value().numel() == 1, "backward() without a seed needs a one-element loss, got {}",
           value().desc());
  Tensor seed = Tensor::full(value().shape(), 1.0, value().dtype()).to(value().device());
  current_tape().backward(impl_, seed);
}

void Var::backward(const Tensor& seed) const {
  HR_CHECK(impl_, "backward() of an undefined Var");
  check_shape(seed, value().shape(), "backward seed");
  check_same_dtype(seed, value(), "backward seed", "variable");
  current_tape().backward(impl_, seed.to(value().device()));
}

Tape& current_tape() {
  thread_local Tape tape;
  return tape;
}

void Tape::backward(const std::shared_ptr<VarImpl>& root, const Tensor& seed) {
  HR_CHECK(root->requires_grad, "backward(): the variable does not require grad (was the forward "
                                "pass run under NoGradGuard, or do no parameters require grad?)");
  if (root->grad.defined())
    accumulate_into(root->grad, seed);  // a leaf root keeps what it had and adds the seed
  else
    root->grad = seed.clone();

  // Nodes were recorded in execution order, which is a topological order; walking it
  // backwards visits every consumer of a variable before its producer.
  std::vector<Node> nodes = std::move(nodes_);
  nodes_.clear();
  for (auto it = nodes.rbegin(); it != nodes.rend(); ++it) {
    Node& node = *it;
    bool any = false;
    for (auto& o : node.outputs) any = any || o->grad.defined();
    if (!any) continue;
    std::vector<Tensor> gout;
    gout.reserve(node.outputs.size());
    for (auto& o : node.outputs)
      gout.push_back(o->grad.defined() ? o->grad
                                       : Tensor::zeros(o->value.shape(), o->value.dtype(),
                                                       o->value.device()));
    std::vector<Tensor> gin(node.inputs.size());
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      VarImpl& in = *node.inputs[i];
      if (!in.requires_grad) continue;
      if (!in.grad.defined())
        in.grad = Tensor::zeros(in.value.shape(), in.value.dtype(), in.value.device());
      gin[i] = in.grad;
    }
    node.backward(gout, gin);
    // Intermediate gradients are no longer needed once their producer has run.
    for (auto& o : node.outputs)
      if (!o->is_leaf && o != root) o->grad = Tensor();
    node.backward = nullptr;  // release saved tensors early
  }
}

bool grad_enabled() { return g_grad_enabled; }
NoGradGuard::NoGradGuard() : prev_(g_grad_enabled) { g_grad_enabled = false; }
NoGradGuard::~NoGradGuard() { g_grad_enabled = prev_; }

std::vector<Var> record_op(const char* name, const std::vector<Var>& inputs,
                           std::vector<Tensor> values, BackwardFn backward) {
  bool needs = false;
  if (g_grad_enabled)
    for (const Var& v : inputs) needs = needs || v.requires_grad();
  std::vector<Var> outs;
  outs.reserve(values.size());
  for (Tensor& t : values) {
    Var v(std::move(t), needs);
    v.impl()->is_leaf = !needs;
    outs.push_back(v);
  }
  if (needs) {
    Node node{name, {}, {}, std::move(backward)};
    for (const Var& v : inputs) node.inputs.push_back(v.impl());
    for (const Var& v : outs) node.outputs.push_back(v.impl());
    current_tape().push(std::move(node));
  }
  return outs;
}

Var record_op1(const char* name, const std::vector<Var>& inputs, Tensor value, BackwardFn backward) {
  std::vector<Tensor> values;
  values.push_back(std::move(value));
  return record_op(name, inputs, std::move(values), std::move(backward))[0];
}

}  // namespace hr

