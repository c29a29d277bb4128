// Float math on the GPU libraries. Off (the default): cuDNN and cuBLAS compute in plain fp32
// (CUDNN_FMA_MATH, CUBLAS_COMPUTE_32F), which is what the [cuda] parity tests compare with
// the CPU. On: they may use TF32 tensor cores (10-bit mantissa products), faster on Ampere and
// later, with errors around 1e-3 relative. The environment variable HRNET_TF32=1 turns it on
// at start-up; set_cuda_tf32 changes it for the process (cached algorithm choices are kept
// per mode). Always compiled, so that builds without CUDA accept the switch too.
#pragma once

namespace hr::kern {

bool cuda_tf32();
// Returns the previous setting.
bool set_cuda_tf32(bool on);

}  // namespace hr::kern
