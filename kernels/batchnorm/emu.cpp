// The CUDA batch norm's block bodies run by the CPU grid emulator (host pointers), through
// the same launch sequences as cuda.cu (bn_run.h), for the [emu] tests against the CPU kernels.
#include <cstring>
#include <memory>
#include <vector>

#include "kernels/batchnorm/batchnorm.h"
#include "kernels/batchnorm/bn_run.h"
#include "kernels/emu/cpu_block.h"

namespace hr::kern {
namespace {

// bn_run.h's launcher on the CPU. Scratch starts as NaN bytes (0xFF), like the emulator's
// shared memory, so a body that reads scratch nobody wrote shows up in the results.
struct EmuLauncher {
  const char* what;
  emu::EmuOptions opt;
  std::vector<std::unique_ptr<double[]>> buffers;

  template <typename Body, typename P>
  void run(const P& p) {
    emu::run_grid<Body>(Body::grid(p), Body::block(), Body::shared_bytes(), p, opt);
  }
  template <typename T>
  T* scratch(size_t n) {
    const size_t doubles = (n * sizeof(T) + sizeof(double) - 1) / sizeof(double);
    buffers.push_back(std::make_unique<double[]>(doubles < 1 ? 1 : doubles));
    std::memset(static_cast<void*>(buffers.back().get()), 0xFF, doubles * sizeof(double));
    return reinterpret_cast<T*>(buffers.back().get());
  }
};

}  // namespace

void bn_moments_emu(int64_t rows, int C, const float* x, double* mean, double* var, const emu::EmuOptions& opt) {
  EmuLauncher l{"bn_moments_emu", opt, {}};
  bn::check_shape(rows, C, l.what);
  MomentsParams p = plan_moments(rows, C, x, nullptr, mean, var);
  p.partial = l.scratch<double>(size_t(p.chunks) * size_t(C) * 3);
  l.run<MomentsChunkBlock>(p);
  l.run<MomentsMergeBlock>(p);
}

void bn_forward_train_emu(int64_t rows, int C, const float* x, const float* gamma, const float* beta, double eps,
                          double momentum, float* y, float* running_mean, float* running_var, float* save_mean,
                          float* save_invstd, const BnAct<float>& act, const emu::EmuOptions& opt) {
  EmuLauncher l{"bn_forward_train_emu", opt, {}};
  bn::forward_train(l, rows, C, x, gamma, beta, eps, momentum, y, running_mean, running_var, save_mean, save_invstd,
                    act);
}

void bn_forward_eval_emu(int64_t rows, int C, const float* x, const float* gamma, const float* beta,
                         const float* running_mean, const float* running_var, double eps, float* y,
                         const BnAct<float>& act, const emu::EmuOptions& opt) {
  EmuLauncher l{"bn_forward_eval_emu", opt, {}};
  bn::forward_eval(l, rows, C, x, gamma, beta, running_mean, running_var, eps, y, act);
}

void bn_apply_emu(int64_t rows, int C, const float* x, const float* mean, const float* invstd, const float* gamma,
                  const float* beta, float* y, const BnAct<float>& act, const emu::EmuOptions& opt) {
  EmuLauncher l{"bn_apply_emu", opt, {}};
  bn::check_shape(rows, C, "bn_apply_emu");
  bn::apply(l, rows, C, x, mean, invstd, gamma, beta, y, act);
}

void bn_backward_train_emu(int64_t rows, int C, const float* x, const float* dy, const float* gamma,
                           const float* save_mean, const float* save_invstd, float* dx, float* dgamma, float* dbeta,
                           const float* y_relu, float* dresidual, const emu::EmuOptions& opt) {
  EmuLauncher l{"bn_backward_train_emu", opt, {}};
  bn::backward_train(l, rows, C, x, dy, gamma, save_mean, save_invstd, dx, dgamma, dbeta, y_relu, dresidual);
}

void bn_backward_eval_emu(int64_t rows, int C, const float* x, const float* dy, const float* gamma,
                          const float* running_mean, const float* running_var, double eps, float* dx, float* dgamma,
                          float* dbeta, const float* y_relu, float* dresidual, const emu::EmuOptions& opt) {
  EmuLauncher l{"bn_backward_eval_emu", opt, {}};
  bn::backward_eval(l, rows, C, x, dy, gamma, running_mean, running_var, eps, dx, dgamma, dbeta, y_relu, dresidual);
}

}  // namespace hr::kern
