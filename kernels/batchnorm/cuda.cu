// Batch norm on the GPU with the CPU's arithmetic (kernels/batchnorm/cpu.cpp) up to the order
// of double sums: one-pass statistics (moments_block.h: shifted sums, chunks merged in order),
// the backward sums in double through deterministic chunked reductions, the per-element maps
// through the HR_HD functions of batchnorm.h. Our kernels rather than cuDNN's: cuDNN's NHWC
// batch norm accumulates in float, and this keeps CPU parity tight. The kernels are block
// bodies (bn_blocks.h) launched by the sequences of bn_run.h, which emu.cpp runs through the
// CPU grid emulator in CI; only the fold is a plain kernel still.
#include "kernels/batchnorm/batchnorm.h"
#include "kernels/batchnorm/bn_run.h"
#include "kernels/common/cuda_check.h"
#include "kernels/emu/cuda_block.cuh"

namespace hr::kern {
namespace {

constexpr unsigned kBlock = 256;

// bn_run.h's launcher on the GPU: every launch checked and named after the entry point.
struct CudaLauncher {
  const char* what;
  Workspace& ws;
  Stream stream;

  template <typename Body, typename P>
  void run(const P& p) {
    emu::launch<Body>(Body::grid(p), Body::block(), Body::shared_bytes(), p, stream);
    cuda_check(cudaGetLastError(), what);
  }
  template <typename T>
  T* scratch(size_t n) {
    return static_cast<T*>(ws.get(n * sizeof(T)));
  }
};

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

}  // namespace

void bn_forward_train_cuda(int64_t rows, int C, const float* x, const float* gamma, const float* beta, double eps,
                           double momentum, float* y, float* running_mean, float* running_var, float* save_mean,
                           float* save_invstd, Workspace& ws, Stream stream, const BnAct<float>& act) {
  CudaLauncher l{"bn_forward_train_cuda", ws, stream};
  bn::forward_train(l, rows, C, x, gamma, beta, eps, momentum, y, running_mean, running_var, save_mean, save_invstd,
                    act);
}

void bn_forward_eval_cuda(int64_t rows, int C, const float* x, const float* gamma, const float* beta,
                          const float* running_mean, const float* running_var, double eps, float* y, Workspace& ws,
                          Stream stream, const BnAct<float>& act) {
  CudaLauncher l{"bn_forward_eval_cuda", ws, stream};
  bn::forward_eval(l, rows, C, x, gamma, beta, running_mean, running_var, eps, y, act);
}

void bn_apply_cuda(int64_t rows, int C, const float* x, const float* mean, const float* invstd, const float* gamma,
                   const float* beta, float* y, Workspace& ws, Stream stream, const BnAct<float>& act) {
  CudaLauncher l{"bn_apply_cuda", ws, stream};
  bn::check_shape(rows, C, "bn_apply_cuda");
  bn::apply(l, rows, C, x, mean, invstd, gamma, beta, y, act);
}

void bn_backward_train_cuda(int64_t rows, int C, const float* x, const float* dy, const float* gamma,
                            const float* save_mean, const float* save_invstd, float* dx, float* dgamma, float* dbeta,
                            Workspace& ws, Stream stream, const float* y_relu, float* dresidual) {
  CudaLauncher l{"bn_backward_train_cuda", ws, stream};
  bn::backward_train(l, rows, C, x, dy, gamma, save_mean, save_invstd, dx, dgamma, dbeta, y_relu, dresidual);
}

void bn_backward_eval_cuda(int64_t rows, int C, const float* x, const float* dy, const float* gamma,
                           const float* running_mean, const float* running_var, double eps, float* dx,
                           float* dgamma, float* dbeta, Workspace& ws, Stream stream, const float* y_relu,
                           float* dresidual) {
  CudaLauncher l{"bn_backward_eval_cuda", ws, stream};
  bn::backward_eval(l, rows, C, x, dy, gamma, running_mean, running_var, eps, dx, dgamma, dbeta, y_relu, dresidual);
}

void bn_fold_cuda(int Cout, int64_t per_out, const float* w, const float* conv_bias, const float* gamma,
                  const float* beta, const float* mean, const float* var, double eps, float* w_folded,
                  float* b_folded, Stream stream) {
  const int64_t n = int64_t(Cout) * per_out;
  fold<<<grid_for(n, kBlock), kBlock, 0, stream>>>(Cout, per_out, w, conv_bias, gamma, beta, mean, var, eps,
                                                   w_folded, b_folded);
  cuda_check(cudaGetLastError(), "bn_fold_cuda");
}

}  // namespace hr::kern
