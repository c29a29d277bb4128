// The launch sequences of the batch norm's block bodies (bn_blocks.h, moments_block.h),
// written once over a launcher so that the CUDA entry points (cuda.cu, emu::launch on a
// stream, scratch from the Workspace) and the emulator ones (emu.cpp, emu::run_grid, scratch
// in host vectors) run exactly the same bodies with the same parameters in the same order.
//
// A launcher L provides:
//   const char* what;                                   the entry point, for errors
//   template <typename Body, typename P> void run(const P& p);
//       runs Body over Body::grid(p), Body::block(), Body::shared_bytes()
//   template <typename T> T* scratch(size_t n);         n elements of T, valid until L dies
// No CUDA headers here: g++ compiles this for the emulator.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "kernels/batchnorm/batchnorm.h"
#include "kernels/batchnorm/bn_blocks.h"
#include "kernels/batchnorm/moments_block.h"
#include "kernels/common/error.h"

namespace hr::kern::bn {

inline void check_shape(int64_t rows, int C, const char* what) {
  if (rows < 1 || C < 1)
    throw Error(std::string(what) + ": needs at least one row and one channel, got rows " + std::to_string(rows) +
                ", C " + std::to_string(C));
}

// y = act(bn_apply(x)) with given float statistics: the last step of forward_train, alone.
template <typename L>
void apply(L& l, int64_t rows, int C, const float* x, const float* mean, const float* invstd, const float* gamma,
           const float* beta, float* y, const BnAct<float>& act) {
  l.template run<ApplyBlock>(ApplyParams{rows * C, C, x, mean, invstd, gamma, beta, act, y});
}

template <typename L>
void forward_train(L& l, int64_t rows, int C, const float* x, const float* gamma, const float* beta, double eps,
                   double momentum, float* y, float* running_mean, float* running_var, float* save_mean,
                   float* save_invstd, const BnAct<float>& act) {
  check_shape(rows, C, l.what);
  double* mean = l.template scratch<double>(size_t(C));
  double* var = l.template scratch<double>(size_t(C));
  MomentsParams mp = plan_moments(rows, C, x, nullptr, mean, var);
  mp.partial = l.template scratch<double>(size_t(mp.chunks) * size_t(C) * 3);
  l.template run<MomentsChunkBlock>(mp);
  l.template run<MomentsMergeBlock>(mp);
  l.template run<StatsBlock>(
      StatsParams{C, rows, eps, momentum, mean, var, save_mean, save_invstd, running_mean, running_var});
  apply(l, rows, C, x, save_mean, save_invstd, gamma, beta, y, act);
}

template <typename L>
void forward_eval(L& l, int64_t rows, int C, const float* x, const float* gamma, const float* beta,
                  const float* running_mean, const float* running_var, double eps, float* y, const BnAct<float>& act) {
  check_shape(rows, C, l.what);
  float* invstd = l.template scratch<float>(size_t(C));
  l.template run<EvalInvstdBlock>(EvalInvstdParams{C, running_var, eps, nullptr, invstd});
  l.template run<ApplyBlock>(ApplyParams{rows * C, C, x, running_mean, invstd, gamma, beta, act, y});
}

// The chunked sums of g and g * xhat, finished into dgamma / dbeta (and coef when not null).
template <typename L>
void grad_sums(L& l, int64_t rows, int C, const float* x, const float* dy, const float* y_relu, const float* mean,
               const float* invstd, const double* invstd_d, const float* gamma, float* dgamma, float* dbeta,
               double* coef) {
  const RowChunks ch = plan_row_chunks(rows);
  double* partial = l.template scratch<double>(size_t(ch.count) * 2 * size_t(C));
  l.template run<GradSumsBlock>(GradSumsParams{rows, C, ch, x, dy, y_relu, mean, invstd, invstd_d, partial});
  l.template run<GradFinishBlock>(
      GradFinishParams{C, ch.count, double(rows), partial, gamma, invstd, dgamma, dbeta, coef});
}

template <typename L>
void backward_train(L& l, int64_t rows, int C, const float* x, const float* dy, const float* gamma,
                    const float* save_mean, const float* save_invstd, float* dx, float* dgamma, float* dbeta,
                    const float* y_relu, float* dresidual) {
  check_shape(rows, C, l.what);
  double* coef = dx ? l.template scratch<double>(size_t(3) * size_t(C)) : nullptr;
  // The reductions are not needed when only the residual wants a gradient.
  if (dx || dgamma || dbeta)
    grad_sums(l, rows, C, x, dy, y_relu, save_mean, save_invstd, nullptr, gamma, dgamma, dbeta, coef);
  if (!dx && !dresidual) return;
  l.template run<TrainDxBlock>(TrainDxParams{rows * C, C, x, dy, y_relu, save_mean, save_invstd, coef, dx, dresidual});
}

template <typename L>
void backward_eval(L& l, int64_t rows, int C, const float* x, const float* dy, const float* gamma,
                   const float* running_mean, const float* running_var, double eps, float* dx, float* dgamma,
                   float* dbeta, const float* y_relu, float* dresidual) {
  check_shape(rows, C, l.what);
  double* invstd = l.template scratch<double>(size_t(C));
  l.template run<EvalInvstdBlock>(EvalInvstdParams{C, running_var, eps, invstd, nullptr});
  if (dgamma || dbeta)
    grad_sums(l, rows, C, x, dy, y_relu, running_mean, nullptr, invstd, gamma, dgamma, dbeta, nullptr);
  if (!dx && !dresidual) return;
  l.template run<EvalDxBlock>(EvalDxParams{rows * C, C, dy, y_relu, gamma, invstd, dx, dresidual});
}

}  // namespace hr::kern::bn
