// Batch norm on the GPU with the CPU's arithmetic (kernels/batchnorm/cpu.cpp) up to the order
// of double sums: one-pass statistics (moments_block.h: shifted sums, chunks merged in order)
// and the backward sums in double through deterministic chunked reductions, the
// per-element maps through the HR_HD functions of batchnorm.h. Our kernels rather than
// cuDNN's: cuDNN's NHWC batch norm accumulates in float, and this keeps CPU parity tight.
#include "kernels/batchnorm/batchnorm.h"
#include "kernels/batchnorm/moments_block.h"
#include "kernels/common/channel_reduce.cuh"
#include "kernels/emu/cuda_block.cuh"

namespace hr::kern {
namespace {

constexpr unsigned kBlock = 256;
using reduce::chunk_total;

struct SumDyDyXhat {  // acc[0] += g, acc[1] += g * xhat; g = dy masked by the fused ReLU
  const float* x;
  const float* dy;
  const float* y_relu;  // null: no ReLU
  const float* mean;    // float statistics (training: the saved ones; eval: running mean)
  const float* invstd;  // training: saved invstd (float)
  const double* invstd_d;  // eval: invstd in double (null in training)
  int C;
  __device__ void operator()(int64_t r, int c, double* acc) const {
    const double g = double(bn_act_grad(y_relu, dy, r * C + c));
    const double is = invstd_d ? invstd_d[c] : double(invstd[c]);
    acc[0] += g;
    acc[1] += g * ((double(x[r * C + c]) - double(mean[c])) * is);
  }
};

// Saved statistics and running statistics from the one-pass moments (moments_block.h).
__global__ void finish_stats(int C, int64_t rows, double eps, double momentum, const double* mean, const double* var,
                             float* save_mean, float* save_invstd, float* running_mean, float* running_var) {
  const int c = blockIdx.x * blockDim.x + threadIdx.x;
  if (c >= C) return;
  const double unbias = rows > 1 ? double(rows) / double(rows - 1) : 1.0;
  save_mean[c] = float(mean[c]);
  save_invstd[c] = float(bn_invstd(var[c], eps));
  if (running_mean) running_mean[c] = bn_running_update(running_mean[c], momentum, mean[c]);
  if (running_var) running_var[c] = bn_running_update(running_var[c], momentum, var[c] * unbias);
}

__global__ void apply(int64_t n, int C, const float* x, const float* mean, const float* invstd, const float* gamma,
                      const float* beta, BnAct<float> act, float* y) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const int c = int(i % C);
    y[i] = bn_act_apply(bn_apply(x[i], mean[c], invstd[c], gamma[c], beta[c]), act.residual, i, act.relu);
  }
}

__global__ void eval_invstd(int C, const float* running_var, double eps, double* invstd_d, float* invstd_f) {
  const int c = blockIdx.x * blockDim.x + threadIdx.x;
  if (c >= C) return;
  const double v = bn_invstd(double(running_var[c]), eps);
  if (invstd_d) invstd_d[c] = v;
  if (invstd_f) invstd_f[c] = float(v);
}

// dbeta += sum dy, dgamma += sum dy*xhat; with dx wanted, coef = {k, mean_dy, mean_dyx} per
// channel for the training dx formula.
__global__ void finish_grad_sums(int C, int chunks, double rows, const double* partial, const float* gamma,
                                 const float* invstd, float* dgamma, float* dbeta, double* coef) {
  const int c = blockIdx.x * blockDim.x + threadIdx.x;
  if (c >= C) return;
  const double s_dy = chunk_total(partial, chunks, 2, 0, C, c);
  const double s_dyx = chunk_total(partial, chunks, 2, 1, C, c);
  if (dbeta) dbeta[c] += float(s_dy);
  if (dgamma) dgamma[c] += float(s_dyx);
  if (coef) {
    coef[3 * c] = double(gamma[c]) * double(invstd[c]);
    coef[3 * c + 1] = s_dy / rows;
    coef[3 * c + 2] = s_dyx / rows;
  }
}

// dx (may be null) and the residual's gradient (may be null) from the masked gradient g.
__global__ void train_dx(int64_t n, int C, const float* x, const float* dy, const float* y_relu, const float* mean,
                         const float* invstd, const double* coef, float* dx, float* dresidual) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const int c = int(i % C);
    const float g = bn_act_grad(y_relu, dy, i);
    if (dresidual) dresidual[i] += g;
    if (!dx) continue;
    const double xhat = (double(x[i]) - double(mean[c])) * double(invstd[c]);
    dx[i] += float(coef[3 * c] * (double(g) - coef[3 * c + 1] - xhat * coef[3 * c + 2]));
  }
}

__global__ void eval_dx(int64_t n, int C, const float* dy, const float* y_relu, const float* gamma,
                        const double* invstd, float* dx, float* dresidual) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const int c = int(i % C);
    const float g = bn_act_grad(y_relu, dy, i);
    if (dresidual) dresidual[i] += g;
    if (dx) dx[i] += float(double(g) * double(gamma[c]) * invstd[c]);
  }
}

__global__ void fold(int Cout, int64_t per_out, const float* w, const float* b, const float* gamma, const float* beta,
                     const float* mean, const float* var, double eps, float* wf, float* bf) {
  const int64_t n = int64_t(Cout) * per_out;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const int co = int(i / per_out);
    const double s = bn_fold_scale(gamma[co], var[co], eps);
    wf[i] = float(double(w[i]) * s);
    if (i % per_out == 0) bf[co] = bn_fold_bias(b ? double(b[co]) : 0.0, mean[co], beta[co], s);
  }
}

unsigned channel_grid(int C) { return unsigned((C + 127) / 128); }

void check_launch(const char* what) { cuda_check(cudaGetLastError(), what); }

}  // namespace

void bn_forward_train_cuda(int64_t rows, int C, const float* x, const float* gamma, const float* beta, double eps,
                           double momentum, float* y, float* running_mean, float* running_var, float* save_mean,
                           float* save_invstd, Workspace& ws, Stream stream, const BnAct<float>& act) {
  const char* what = "bn_forward_train_cuda";
  double* mean = static_cast<double*>(ws.get(size_t(C) * sizeof(double)));
  double* var = static_cast<double*>(ws.get(size_t(C) * sizeof(double)));
  MomentsParams mp = plan_moments(rows, C, x, nullptr, mean, var);
  mp.partial = static_cast<double*>(ws.get(size_t(mp.chunks) * size_t(C) * 3 * sizeof(double)));
  emu::launch<MomentsChunkBlock>(MomentsChunkBlock::grid(mp), MomentsChunkBlock::block(),
                                 MomentsChunkBlock::shared_bytes(), mp, stream);
  check_launch(what);
  emu::launch<MomentsMergeBlock>(MomentsMergeBlock::grid(mp), MomentsMergeBlock::block(), 0, mp, stream);
  check_launch(what);
  finish_stats<<<channel_grid(C), 128, 0, stream>>>(C, rows, eps, momentum, mean, var, save_mean, save_invstd,
                                                    running_mean, running_var);
  check_launch(what);
  const int64_t n = rows * C;
  apply<<<grid_for(n, kBlock), kBlock, 0, stream>>>(n, C, x, save_mean, save_invstd, gamma, beta, act, y);
  check_launch(what);
}

void bn_forward_eval_cuda(int64_t rows, int C, const float* x, const float* gamma, const float* beta,
                          const float* running_mean, const float* running_var, double eps, float* y, Workspace& ws,
                          Stream stream, const BnAct<float>& act) {
  const char* what = "bn_forward_eval_cuda";
  float* invstd = static_cast<float*>(ws.get(size_t(C) * sizeof(float)));
  eval_invstd<<<channel_grid(C), 128, 0, stream>>>(C, running_var, eps, nullptr, invstd);
  check_launch(what);
  const int64_t n = rows * C;
  apply<<<grid_for(n, kBlock), kBlock, 0, stream>>>(n, C, x, running_mean, invstd, gamma, beta, act, y);
  check_launch(what);
}

void bn_backward_train_cuda(int64_t rows, int C, const float* x, const float* dy, const float* gamma,
                            const float* save_mean, const float* save_invstd, float* dx, float* dgamma, float* dbeta,
                            Workspace& ws, Stream stream, const float* y_relu, float* dresidual) {
  const char* what = "bn_backward_train_cuda";
  double* coef = dx ? static_cast<double*>(ws.get(size_t(3) * C * sizeof(double))) : nullptr;
  if (dx || dgamma || dbeta) {  // the reductions; not needed when only the residual wants a gradient
    int chunks = 0;
    const double* p = reduce::launch_channel_partials<2>(
        rows, C, SumDyDyXhat{x, dy, y_relu, save_mean, save_invstd, nullptr, C}, ws, stream, &chunks, what);
    finish_grad_sums<<<channel_grid(C), 128, 0, stream>>>(C, chunks, double(rows), p, gamma, save_invstd, dgamma,
                                                          dbeta, coef);
    check_launch(what);
  }
  if (!dx && !dresidual) return;
  const int64_t n = rows * C;
  train_dx<<<grid_for(n, kBlock), kBlock, 0, stream>>>(n, C, x, dy, y_relu, save_mean, save_invstd, coef, dx,
                                                       dresidual);
  check_launch(what);
}

void bn_backward_eval_cuda(int64_t rows, int C, const float* x, const float* dy, const float* gamma,
                           const float* running_mean, const float* running_var, double eps, float* dx,
                           float* dgamma, float* dbeta, Workspace& ws, Stream stream, const float* y_relu,
                           float* dresidual) {
  const char* what = "bn_backward_eval_cuda";
  double* invstd = static_cast<double*>(ws.get(size_t(C) * sizeof(double)));
  eval_invstd<<<channel_grid(C), 128, 0, stream>>>(C, running_var, eps, invstd, nullptr);
  check_launch(what);
  if (dgamma || dbeta) {
    int chunks = 0;
    const double* p = reduce::launch_channel_partials<2>(
        rows, C, SumDyDyXhat{x, dy, y_relu, running_mean, nullptr, invstd, C}, ws, stream, &chunks, what);
    finish_grad_sums<<<channel_grid(C), 128, 0, stream>>>(C, chunks, double(rows), p, gamma, nullptr, dgamma,
                                                          dbeta, nullptr);
    check_launch(what);
  }
  if (!dx && !dresidual) return;
  const int64_t n = rows * C;
  eval_dx<<<grid_for(n, kBlock), kBlock, 0, stream>>>(n, C, dy, y_relu, gamma, invstd, dx, dresidual);
  check_launch(what);
}

void bn_fold_cuda(int Cout, int64_t per_out, const float* w, const float* conv_bias, const float* gamma,
                  const float* beta, const float* mean, const float* var, double eps, float* w_folded,
                  float* b_folded, Stream stream) {
  const int64_t n = int64_t(Cout) * per_out;
  fold<<<grid_for(n, kBlock), kBlock, 0, stream>>>(Cout, per_out, w, conv_bias, gamma, beta, mean, var, eps,
                                                   w_folded, b_folded);
  check_launch("bn_fold_cuda");
}

}  // namespace hr::kern
