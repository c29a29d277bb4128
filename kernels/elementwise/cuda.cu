// CUDA versions of the elementwise kernels. The per-element work is the HR_HD functions of
// elementwise.h, the same code the CPU kernels run.
#include "kernels/common/cuda_check.h"
#include "kernels/elementwise/elementwise.h"

namespace hr::kern {
namespace {

constexpr unsigned kBlock = 256;

__global__ void relu_fwd(int64_t n, const float* x, float* y) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    y[i] = relu_value(x[i]);
}

__global__ void relu_bwd(int64_t n, const float* y, const float* dy, float* dx) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    dx[i] += relu_grad(y[i], dy[i]);
}

__global__ void add_fwd(int64_t n, const float* a, const float* b, float* y, bool relu) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    y[i] = relu ? relu_value(a[i] + b[i]) : a[i] + b[i];
}

__global__ void add_relu_bwd(int64_t n, const float* y, const float* dy, float* da, float* db) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const float g = relu_grad(y[i], dy[i]);
    if (da) da[i] += g;
    if (db) db[i] += g;
  }
}

__global__ void increment_k(int64_t* counter) { *counter += 1; }

__global__ void accumulate_k(int64_t n, const float* src, float* dst) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    dst[i] += src[i];
}

}  // namespace

void relu_forward_cuda(int64_t n, const float* x, float* y, Stream stream) {
  relu_fwd<<<grid_for(n, kBlock), kBlock, 0, stream>>>(n, x, y);
  cuda_check(cudaGetLastError(), "relu_forward_cuda");
}
void relu_backward_cuda(int64_t n, const float* y, const float* dy, float* dx, Stream stream) {
  relu_bwd<<<grid_for(n, kBlock), kBlock, 0, stream>>>(n, y, dy, dx);
  cuda_check(cudaGetLastError(), "relu_backward_cuda");
}
void add_forward_cuda(int64_t n, const float* a, const float* b, float* y, Stream stream) {
  add_fwd<<<grid_for(n, kBlock), kBlock, 0, stream>>>(n, a, b, y, false);
  cuda_check(cudaGetLastError(), "add_forward_cuda");
}
void add_relu_forward_cuda(int64_t n, const float* a, const float* b, float* y, Stream stream) {
  add_fwd<<<grid_for(n, kBlock), kBlock, 0, stream>>>(n, a, b, y, true);
  cuda_check(cudaGetLastError(), "add_relu_forward_cuda");
}
void add_relu_backward_cuda(int64_t n, const float* y, const float* dy, float* da, float* db, Stream stream) {
  add_relu_bwd<<<grid_for(n, kBlock), kBlock, 0, stream>>>(n, y, dy, da, db);
  cuda_check(cudaGetLastError(), "add_relu_backward_cuda");
}
void accumulate_cuda(int64_t n, const float* src, float* dst, Stream stream) {
  accumulate_k<<<grid_for(n, kBlock), kBlock, 0, stream>>>(n, src, dst);
  cuda_check(cudaGetLastError(), "accumulate_cuda");
}

void increment_i64_cuda(int64_t* counter, Stream stream) {
  increment_k<<<1, 1, 0, stream>>>(counter);
  cuda_check(cudaGetLastError(), "increment_i64_cuda");
}

}  // namespace hr::kern
