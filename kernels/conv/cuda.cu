// Our kernels around the library convolutions: the bias add after the forward and the bias
// gradient (a deterministic per-channel sum of dy).
#include "kernels/common/channel_reduce.cuh"
#include "kernels/conv/conv.h"

namespace hr::kern {
namespace {

constexpr unsigned kBlock = 256;

__global__ void bias_add(int64_t n, int C, const float* bias, float* y) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    y[i] += bias[i % C];
}

struct DySum {
  const float* dy;
  int C;
  __device__ void operator()(int64_t r, int c, double* acc) const { acc[0] += double(dy[r * C + c]); }
};

__global__ void bias_grad_finish(int C, int chunks, const double* partial, float* dbias) {
  const int c = blockIdx.x * blockDim.x + threadIdx.x;
  if (c < C) dbias[c] += float(reduce::chunk_total(partial, chunks, 1, 0, C, c));
}

}  // namespace

void conv_bias_add_cuda(int64_t rows, int C, const float* bias, float* y, Stream stream) {
  const int64_t n = rows * C;
  bias_add<<<grid_for(n, kBlock), kBlock, 0, stream>>>(n, C, bias, y);
  cuda_check(cudaGetLastError(), "conv_bias_add_cuda");
}

void conv_bias_grad_cuda(int64_t rows, int C, const float* dy, float* dbias, Workspace& ws, Stream stream) {
  if (C == 0) return;  // a grid of 0 blocks is a launch error; no rows: dbias gets nothing added
  int chunks = 0;
  const double* partial =
      reduce::launch_channel_partials<1>(rows, C, DySum{dy, C}, ws, stream, &chunks, "conv_bias_grad_cuda");
  bias_grad_finish<<<(C + 127) / 128, 128, 0, stream>>>(C, chunks, partial, dbias);
  cuda_check(cudaGetLastError(), "conv_bias_grad_cuda");
}

}  // namespace hr::kern
