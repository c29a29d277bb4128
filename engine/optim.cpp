#include "engine/optim.h"

#include <algorithm>
#include <cmath>

#include "engine/cuda/device.h"
#include "engine/ops/dispatch.h"
#include "kernels/optim/optim.h"

namespace hr {

Optimizer::Optimizer(std::vector<Var> params, double lr) : params_(std::move(params)), lr_(lr) {
  for (size_t i = 0; i < params_.size(); ++i)
    HR_CHECK(params_[i].defined() && params_[i].is_leaf(),
             "optimizer parameter {} must be a defined leaf variable", i);
}

void Optimizer::zero_grad() {
  for (Var& p : params_) p.zero_grad();
}

Adam::Adam(std::vector<Var> params, const AdamOptions& o)
    : Optimizer(std::move(params), o.lr), opt_(o), m_(params_.size()), v_(params_.size()),
      steps_(params_.size(), 0) {}

void Adam::step() {
  // CUDA parameters are collected and updated by one fused multi-tensor launch at the end;
  // CPU parameters are updated one by one (threads inside each).
  std::vector<kern::AdamTensorArgs> on_device;
  kern::AdamHyper h;
  h.lr = lr_;
  h.beta1 = opt_.beta1;
  h.beta2 = opt_.beta2;
  h.eps = opt_.eps;
  h.weight_decay = opt_.weight_decay;
  for (size_t i = 0; i < params_.size(); ++i) {
    Var& p = params_[i];
    if (!p.grad().defined()) continue;
    Tensor& P = p.value();
    const Tensor& G = p.grad();
    ops::detail::check_compatible("adam step", P, G, "gradient");
    if (!m_[i].defined()) {
      m_[i] = Tensor::zeros(P.shape(), P.dtype(), P.device());
      v_[i] = Tensor::zeros(P.shape(), P.dtype(), P.device());
    }
    h.step = ++steps_[i];
    ops::detail::dispatch("adam step", P, [&](auto tag) {
      using T = decltype(tag);
      kern::adam_step_cpu<T>(P.numel(), P.data<T>(), G.data<T>(), m_[i].data<T>(), v_[i].data<T>(), h);
    }, [&](auto) {
      const kern::AdamStepConsts k = kern::adam_step_consts(h);
      on_device.push_back({P.data<float>(), G.data<float>(), m_[i].data<float>(), v_[i].data<float>(), P.numel(),
                           k.step_size, k.sqrt_bc2});
    });
  }
  if (!on_device.empty()) {
#if defined(HRNET_WITH_CUDA)
    cuda::DeviceWorkspace ws;
    kern::adam_multi_tensor_cuda(on_device, h, ws, cuda::compute_stream());
#endif
  }
}

SGD::SGD(std::vector<Var> params, const SgdOptions& o)
    : Optimizer(std::move(params), o.lr), opt_(o), buf_(params_.size()) {
  HR_CHECK(!o.nesterov || (o.momentum > 0 && o.dampening == 0),
           "SGD: Nesterov momentum needs momentum > 0 and zero dampening");
}

void SGD::step() {
  std::vector<kern::SgdTensorArgs> on_device;  // one fused launch, as in Adam::step
  kern::SgdHyper h;
  h.lr = lr_;
  h.momentum = opt_.momentum;
  h.dampening = opt_.dampening;
  h.weight_decay = opt_.weight_decay;
  h.nesterov = opt_.nesterov;
  for (size_t i = 0; i < params_.size(); ++i) {
    Var& p = params_[i];
    if (!p.grad().defined()) continue;
    Tensor& P = p.value();
    const Tensor& G = p.grad();
    ops::detail::check_compatible("sgd step", P, G, "gradient");
    h.first_step = !buf_[i].defined();
    if (opt_.momentum != 0.0 && !buf_[i].defined())
      buf_[i] = Tensor::empty(P.shape(), P.dtype(), P.device());
    ops::detail::dispatch("sgd step", P, [&](auto tag) {
      using T = decltype(tag);
      kern::sgd_step_cpu<T>(P.numel(), P.data<T>(), G.data<T>(),
                            buf_[i].defined() ? buf_[i].data<T>() : nullptr, h);
    }, [&](auto) {
      on_device.push_back({P.data<float>(), G.data<float>(), ops::detail::float_ptr(buf_[i]), P.numel(),
                           h.first_step});
    });
  }
  if (!on_device.empty()) {
#if defined(HRNET_WITH_CUDA)
    cuda::DeviceWorkspace ws;
    kern::sgd_multi_tensor_cuda(on_device, h, ws, cuda::compute_stream());
#endif
  }
}

MultiStepLR::MultiStepLR(Optimizer& opt, std::vector<int> milestones, double gamma, int last_epoch)
    : opt_(opt), milestones_(std::move(milestones)), gamma_(gamma), base_lr_(opt.lr()),
      last_epoch_(last_epoch) {
  std::sort(milestones_.begin(), milestones_.end());
  step();
}

double MultiStepLR::lr_for(int last_epoch) const {
  const auto passed = std::upper_bound(milestones_.begin(), milestones_.end(), last_epoch) - milestones_.begin();
  return base_lr_ * std::pow(gamma_, double(passed));
}

void MultiStepLR::step() {
  ++last_epoch_;
  opt_.set_lr(lr_for(last_epoch_));
}

}  // namespace hr
