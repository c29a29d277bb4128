// The library side of the CUDA backend: one cuDNN and one cuBLAS handle per device, created
// on first use and kept for the process, and status checks that turn every failed cuDNN or
// cuBLAS call into an hr::Error naming the call and the shapes it was given.
// Host code only (compiled as C++20); the kernels of our own are in kernels/<op>/cuda.cu.
#pragma once
#include <cublas_v2.h>
#include <cudnn.h>

#include <string>

#include "kernels/common/error.h"
#include "kernels/common/stream.h"

namespace hr::kern::lib {

// The handle of the calling thread's current device, bound to `stream`.
cudnnHandle_t cudnn(Stream stream);
cublasHandle_t cublas(Stream stream);

[[noreturn]] void throw_cudnn(cudnnStatus_t s, const char* call, const std::string& detail);
[[noreturn]] void throw_cublas(cublasStatus_t s, const char* call, const std::string& detail);

// `detail` is a callable returning a description of the shapes; it runs only on failure.
template <typename F>
void cudnn_check(cudnnStatus_t s, const char* call, F&& detail) {
  if (s != CUDNN_STATUS_SUCCESS) throw_cudnn(s, call, detail());
}
template <typename F>
void cublas_check(cublasStatus_t s, const char* call, F&& detail) {
  if (s != CUBLAS_STATUS_SUCCESS) throw_cublas(s, call, detail());
}

}  // namespace hr::kern::lib
