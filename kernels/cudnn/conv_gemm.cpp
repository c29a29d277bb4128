// 1x1 stride-1 convolutions as cuBLAS GEMMs. Row-major [M, Cin] activations (M = N*H*W) and
// [Cout, Cin] weights are read by column-major cuBLAS as their transposes, so:
//   forward      y[M, Cout]  = x · wᵀ      ->  yᵀ  = op_T(w) · xᵀ        (m Cout, n M, k Cin)
//   data grad   dx[M, Cin]  += dy · w      ->  dxᵀ += wᵀ · dyᵀ            (m Cin,  n M, k Cout)
//   weight grad dw[Cout, Cin] += dyᵀ · x   ->  dwᵀ += xᵀ · op_T(dyᵀ)      (m Cin,  n Cout, k M)
#include "kernels/common/math_mode.h"
#include "kernels/cudnn/conv_lib.h"

namespace hr::kern::lib {
namespace {

void gemm(const ConvDesc& d, const char* pass, cublasOperation_t ta, cublasOperation_t tb, int m, int n, int k,
          const float* a, int lda, const float* b, int ldb, float beta, float* c, int ldc, Stream stream) {
  if (d.K != 1 || d.stride != 1)
    throw Error(std::string("gemm_conv1x1 ") + pass + ": needs a 1x1 stride-1 convolution, got " + describe_conv(d));
  const float alpha = 1.0f;
  const cublasComputeType_t compute = cuda_tf32() ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F;
  cublas_check(cublasGemmEx(cublas(stream), ta, tb, m, n, k, &alpha, a, CUDA_R_32F, lda, b, CUDA_R_32F, ldb, &beta,
                            c, CUDA_R_32F, ldc, compute, CUBLAS_GEMM_DEFAULT),
               "cublasGemmEx", [&] { return std::string("1x1 conv ") + pass + ", " + describe_conv(d); });
}

}  // namespace

void gemm_conv1x1_forward(const ConvDesc& d, const float* x, const float* w, float* y, Stream stream) {
  gemm(d, "forward", CUBLAS_OP_T, CUBLAS_OP_N, d.Cout, int(d.rows()), d.Cin, w, d.Cin, x, d.Cin, 0.0f, y, d.Cout,
       stream);
}

void gemm_conv1x1_backward_data(const ConvDesc& d, const float* dy, const float* w, float* dx, Stream stream) {
  gemm(d, "backward data", CUBLAS_OP_N, CUBLAS_OP_N, d.Cin, int(d.rows()), d.Cout, w, d.Cin, dy, d.Cout, 1.0f, dx,
       d.Cin, stream);
}

void gemm_conv1x1_backward_filter(const ConvDesc& d, const float* x, const float* dy, float* dw, Stream stream) {
  gemm(d, "backward filter", CUBLAS_OP_N, CUBLAS_OP_T, d.Cin, d.Cout, int(d.rows()), x, d.Cin, dy, d.Cout, 1.0f, dw,
       d.Cin, stream);
}

}  // namespace hr::kern::lib
