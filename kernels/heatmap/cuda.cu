// Heatmap peaks on the GPU: one block per (sample, joint) map; each thread scans a strided
// subset in increasing index order, then a tree reduction with heatmap_beats (which breaks
// ties by index, so the result is the CPU's whatever the order of comparisons).
#include "kernels/common/cuda_check.h"
#include "kernels/heatmap/heatmap.h"

namespace hr::kern {
namespace {

constexpr int kBlock = 256;

__global__ void argmax_maps(int64_t HW, int J, const float* hm, int64_t* index, float* value) {
  __shared__ float sv[kBlock];
  __shared__ int64_t si[kBlock];
  const int b = blockIdx.x / J, j = blockIdx.x % J;
  const float* m = hm + int64_t(b) * HW * J + j;
  float best = m[0];
  int64_t best_i = 0;
  for (int64_t i = threadIdx.x; i < HW; i += kBlock)
    if (heatmap_beats(m[i * J], i, best, best_i)) best = m[i * J], best_i = i;
  sv[threadIdx.x] = best;
  si[threadIdx.x] = best_i;
  __syncthreads();
  for (int s = kBlock / 2; s > 0; s /= 2) {
    if (int(threadIdx.x) < s && heatmap_beats(sv[threadIdx.x + s], si[threadIdx.x + s], sv[threadIdx.x], si[threadIdx.x])) {
      sv[threadIdx.x] = sv[threadIdx.x + s];
      si[threadIdx.x] = si[threadIdx.x + s];
    }
    __syncthreads();
  }
  if (threadIdx.x == 0) {
    index[blockIdx.x] = si[0];
    value[blockIdx.x] = sv[0];
  }
}

}  // namespace

void heatmap_argmax_cuda(int B, int64_t HW, int J, const float* hm, int64_t* index, float* value, Stream stream) {
  if (B * J == 0) return;
  argmax_maps<<<unsigned(B * J), kBlock, 0, stream>>>(HW, J, hm, index, value);
  cuda_check(cudaGetLastError(), "heatmap_argmax_cuda");
}

}  // namespace hr::kern
