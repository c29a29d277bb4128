// Optimizers with PyTorch's semantics, and the MultiStep learning-rate schedule.
#pragma once
#include <vector>

#include "engine/autograd.h"

namespace hr {

class Optimizer {
 public:
  explicit Optimizer(std::vector<Var> params, double lr);
  virtual ~Optimizer() = default;
  virtual void step() = 0;  // parameters without a gradient are skipped, as in PyTorch
  void zero_grad();
  double lr() const { return lr_; }
  void set_lr(double lr) { lr_ = lr; }
  const std::vector<Var>& params() const { return params_; }

 protected:
  std::vector<Var> params_;
  double lr_;
};

struct AdamOptions {
  double lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0.0;
};

// torch.optim.Adam (L2 weight decay folded into the gradient, amsgrad off). The official
// HRNet recipe builds it with the learning rate only: weight decay 0.
class Adam : public Optimizer {
 public:
  Adam(std::vector<Var> params, const AdamOptions& options = {});
  void step() override;
  const AdamOptions& options() const { return opt_; }

  // State, for checkpoints: per-parameter first/second moments and step counts (a parameter
  // that has never had a gradient has an undefined moment and step 0, like PyTorch's lazy state).
  std::vector<Tensor>& exp_avg() { return m_; }
  std::vector<Tensor>& exp_avg_sq() { return v_; }
  std::vector<int64_t>& steps() { return steps_; }

 private:
  AdamOptions opt_;
  std::vector<Tensor> m_, v_;
  std::vector<int64_t> steps_;
};

struct SgdOptions {
  double lr = 0.01, momentum = 0.0, dampening = 0.0, weight_decay = 0.0;
  bool nesterov = false;
};

// torch.optim.SGD with momentum (the first step's buffer is the gradient itself).
class SGD : public Optimizer {
 public:
  SGD(std::vector<Var> params, const SgdOptions& options = {});
  void step() override;
  std::vector<Tensor>& momentum_buffers() { return buf_; }

 private:
  SgdOptions opt_;
  std::vector<Tensor> buf_;
};

// torch.optim.lr_scheduler.MultiStepLR: lr = base_lr * gamma^(number of milestones <= last_epoch).
// Construction performs PyTorch's initial step (last_epoch -1 -> 0). The official trainer calls
// step() at the START of every epoch, so epoch index e trains at lr_for(e + 1): with milestones
// [170, 200] the rate drops for epoch indices 169 and 199.
class MultiStepLR {
 public:
  MultiStepLR(Optimizer& opt, std::vector<int> milestones, double gamma, int last_epoch = -1);
  void step();
  int last_epoch() const { return last_epoch_; }
  double lr_for(int last_epoch) const;

 private:
  Optimizer& opt_;
  std::vector<int> milestones_;
  double gamma_, base_lr_;
  int last_epoch_;
};

}  // namespace hr
