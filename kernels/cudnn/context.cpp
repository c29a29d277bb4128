#include "kernels/cudnn/context.h"

#include <cuda_runtime.h>

#include <map>
#include <mutex>

#include "kernels/common/cuda_check.h"

namespace hr::kern::lib {
namespace {

struct Handles {
  cudnnHandle_t dnn = nullptr;
  cublasHandle_t blas = nullptr;
};

// Handles are never destroyed: the process exit releases them, and destroying them from a
// static destructor can run after the CUDA runtime has shut down.
Handles& handles_for_current_device() {
  static std::mutex m;
  static std::map<int, Handles> by_device;
  int dev = 0;
  cuda_check(cudaGetDevice(&dev), "cudaGetDevice");
  std::lock_guard<std::mutex> lk(m);
  Handles& h = by_device[dev];
  if (!h.dnn) {
    cudnn_check(cudnnCreate(&h.dnn), "cudnnCreate", [&] { return "device " + std::to_string(dev); });
    cublas_check(cublasCreate(&h.blas), "cublasCreate", [&] { return "device " + std::to_string(dev); });
    // Default math: each GEMM states its compute type (CUBLAS_COMPUTE_32F, or _FAST_TF32 when
    // math_mode.h allows it), so the handle adds no tensor-op conversions of its own.
    cublas_check(cublasSetMathMode(h.blas, CUBLAS_DEFAULT_MATH), "cublasSetMathMode",
                 [&] { return "device " + std::to_string(dev); });
  }
  return h;
}

[[noreturn]] void throw_lib(const char* lib, const char* status, int code, const char* call,
                            const std::string& detail) {
  std::string msg = std::string(lib) + " error in " + call;
  if (!detail.empty()) msg += " (" + detail + ")";
  msg += ": " + std::string(status) + " (" + std::to_string(code) + ")";
  if (std::string(status).find("ALLOC") != std::string::npos) {
    size_t free_b = 0, total_b = 0;
    if (cudaMemGetInfo(&free_b, &total_b) == cudaSuccess)
      msg += "; " + std::to_string(free_b >> 20) + " MiB free of " + std::to_string(total_b >> 20) + " MiB";
  }
  throw Error(msg);
}

}  // namespace

cudnnHandle_t cudnn(Stream stream) {
  cudnnHandle_t h = handles_for_current_device().dnn;
  cudnn_check(cudnnSetStream(h, stream), "cudnnSetStream", [] { return std::string(); });
  return h;
}

cublasHandle_t cublas(Stream stream) {
  cublasHandle_t h = handles_for_current_device().blas;
  cublas_check(cublasSetStream(h, stream), "cublasSetStream", [] { return std::string(); });
  return h;
}

void throw_cudnn(cudnnStatus_t s, const char* call, const std::string& detail) {
  char last[512] = {0};
  cudnnGetLastErrorString(last, sizeof(last));
  std::string d = detail;
  if (last[0] != 0) d += (d.empty() ? "" : "; ") + std::string(last);
  throw_lib("cuDNN", cudnnGetErrorString(s), int(s), call, d);
}

void throw_cublas(cublasStatus_t s, const char* call, const std::string& detail) {
  throw_lib("cuBLAS", cublasGetStatusString(s), int(s), call, detail);
}

}  // namespace hr::kern::lib
