// Nearest upsampling on the GPU; index math shared with the CPU through upsample_src.
#include "kernels/common/cuda_check.h"
#include "kernels/upsample/upsample.h"

namespace hr::kern {
namespace {

constexpr unsigned kBlock = 256;

__global__ void up_fwd(int64_t n, int H, int W, int C, int f, const float* x, float* y) {
  const int Ho = H * f, Wo = W * f;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const int c = int(i % C);
    const int64_t p = i / C;
    const int ow = int(p % Wo), oh = int((p / Wo) % Ho);
    const int64_t nb = p / (int64_t(Wo) * Ho);
    y[i] = x[((nb * H + upsample_src(oh, f)) * W + upsample_src(ow, f)) * C + c];
  }
}

__global__ void up_bwd(int64_t n, int H, int W, int C, int f, const float* dy, float* dx) {
  const int Ho = H * f, Wo = W * f;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const int c = int(i % C);
    const int64_t p = i / C;
    const int w = int(p % W), h = int((p / W) % H);
    const int64_t nb = p / (int64_t(W) * H);
    float g = dx[i];
    for (int a = 0; a < f; ++a) {
      const float* src = dy + ((nb * Ho + int64_t(h) * f + a) * Wo + int64_t(w) * f) * C + c;
      for (int b = 0; b < f; ++b) g += src[int64_t(b) * C];
    }
    dx[i] = g;
  }
}

}  // namespace

void upsample_nearest_forward_cuda(int N, int H, int W, int C, int factor, const float* x, float* y, Stream stream) {
  const int64_t n = int64_t(N) * H * factor * W * factor * C;
  up_fwd<<<grid_for(n, kBlock), kBlock, 0, stream>>>(n, H, W, C, factor, x, y);
  cuda_check(cudaGetLastError(), "upsample_nearest_forward_cuda");
}

void upsample_nearest_backward_cuda(int N, int H, int W, int C, int factor, const float* dy, float* dx,
                                    Stream stream) {
  const int64_t n = int64_t(N) * H * W * C;
  up_bwd<<<grid_for(n, kBlock), kBlock, 0, stream>>>(n, H, W, C, factor, dy, dx);
  cuda_check(cudaGetLastError(), "upsample_nearest_backward_cuda");
}

}  // namespace hr::kern
