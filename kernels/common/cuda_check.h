// Error checks for CUDA kernel launchers: a failed call becomes an hr::Error that names the
// call and what it was working on (the engine and the apps report it like any other error).
#pragma once
#include <cuda_runtime.h>

#include <string>

#include "kernels/common/error.h"

namespace hr::kern {

[[noreturn]] inline void throw_cuda(cudaError_t e, const char* what, const std::string& detail) {
  std::string msg = std::string("CUDA error in ") + what;
  if (!detail.empty()) msg += " (" + detail + ")";
  msg += ": ";
  msg += cudaGetErrorString(e);
  if (e == cudaErrorMemoryAllocation) {
    size_t free_b = 0, total_b = 0;
    if (cudaMemGetInfo(&free_b, &total_b) == cudaSuccess)
      msg += "; " + std::to_string(free_b >> 20) + " MiB free of " + std::to_string(total_b >> 20) + " MiB";
  }
  throw Error(msg);
}

inline void cuda_check(cudaError_t e, const char* what) {
  if (e != cudaSuccess) throw_cuda(e, what, "");
}

// `detail` is a callable returning the shapes (only evaluated on failure).
template <typename F>
void cuda_check(cudaError_t e, const char* what, F&& detail) {
  if (e != cudaSuccess) throw_cuda(e, what, detail());
}

// Grid for a grid-stride loop over n elements.
inline unsigned grid_for(long long n, unsigned block) {
  const long long blocks = (n + block - 1) / block;
  return unsigned(blocks < 1 ? 1 : (blocks > 65535 ? 65535 : blocks));
}

}  // namespace hr::kern
