// Error checks for CUDA kernel launchers: a failed call becomes a std::runtime_error that
// names the call (the engine turns it into hr::Error context; apps print it and exit 1).
#pragma once
#include <cuda_runtime.h>

#include <stdexcept>
#include <string>

namespace hr::kern {

inline void cuda_check(cudaError_t e, const char* what) {
  if (e != cudaSuccess)
    throw std::runtime_error(std::string("CUDA error in ") + what + ": " + cudaGetErrorString(e));
}

// Grid for a grid-stride loop over n elements.
inline unsigned grid_for(long long n, unsigned block) {
  const long long blocks = (n + block - 1) / block;
  return unsigned(blocks < 1 ? 1 : (blocks > 65535 ? 65535 : blocks));
}

}  // namespace hr::kern
