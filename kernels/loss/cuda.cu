// JointsMSELoss on the GPU: the per-element term is joints_mse_term, as on the CPU.
#include "kernels/common/cuda_check.h"
#include "kernels/loss/loss.h"

namespace hr::kern {
namespace {

constexpr int kBlock = 256;
constexpr int kBlocks = 256;  // fixed, so that the sum's order depends only on the shape

__device__ float weight_of(const float* weight, bool use, int64_t i, int64_t HWJ, int J) {
  return use ? weight[(i / HWJ) * J + i % J] : 1.0f;
}

// Block-ordered tree sum of one double per thread into sh[0].
__device__ double block_sum(double v, double* sh) {
  sh[threadIdx.x] = v;
  __syncthreads();
  for (int s = kBlock / 2; s > 0; s /= 2) {
    if (int(threadIdx.x) < s) sh[threadIdx.x] += sh[threadIdx.x + s];
    __syncthreads();
  }
  return sh[0];
}

__global__ void mse_partials(int64_t n, int64_t HWJ, int J, const float* pred, const float* target,
                             const float* weight, bool use, double* partial) {
  __shared__ double sh[kBlock];
  double s = 0.0;
  for (int64_t i = blockIdx.x * int64_t(kBlock) + threadIdx.x; i < n; i += int64_t(kBlocks) * kBlock)
    s += double(joints_mse_term(pred[i], target[i], weight_of(weight, use, i, HWJ, J)));
  const double total = block_sum(s, sh);
  if (threadIdx.x == 0) partial[blockIdx.x] = total;
}

__global__ void mse_finish(const double* partial, double denom, float* loss) {
  __shared__ double sh[kBlock];
  const double total = block_sum(partial[threadIdx.x], sh);  // kBlocks == kBlock
  if (threadIdx.x == 0) *loss = float(0.5 * total / denom);
}

__global__ void mse_bwd(int64_t n, int64_t HWJ, int J, const float* pred, const float* target, const float* weight,
                        bool use, const float* dL, double denom, float* dpred) {
  const double scale = double(*dL) / denom;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const float w = weight_of(weight, use, i, HWJ, J);
    dpred[i] += float(scale * double(w * w) * double(pred[i] - target[i]));
  }
}

}  // namespace

void joints_mse_forward_cuda(int B, int64_t HW, int J, const float* pred, const float* target, const float* weight,
                             bool use_target_weight, float* loss, Workspace& ws, Stream stream) {
  static_assert(kBlocks == kBlock, "mse_finish sums one partial per thread");
  const int64_t n = int64_t(B) * HW * J;
  double* partial = static_cast<double*>(ws.get(kBlocks * sizeof(double)));
  mse_partials<<<kBlocks, kBlock, 0, stream>>>(n, HW * J, J, pred, target, weight, use_target_weight, partial);
  cuda_check(cudaGetLastError(), "joints_mse_forward_cuda");
  mse_finish<<<1, kBlock, 0, stream>>>(partial, double(B) * double(J) * double(HW), loss);
  cuda_check(cudaGetLastError(), "joints_mse_forward_cuda");
}

void joints_mse_backward_cuda(int B, int64_t HW, int J, const float* pred, const float* target,
                              const float* weight, bool use_target_weight, const float* dL, float* dpred,
                              Stream stream) {
  const int64_t n = int64_t(B) * HW * J;
  mse_bwd<<<grid_for(n, kBlock), kBlock, 0, stream>>>(n, HW * J, J, pred, target, weight, use_target_weight, dL,
                                                      double(B) * double(J) * double(HW), dpred);
  cuda_check(cudaGetLastError(), "joints_mse_backward_cuda");
}

}  // namespace hr::kern
