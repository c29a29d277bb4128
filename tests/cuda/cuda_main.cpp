// Entry point of the [cuda] tests: exits 77 (CTest SKIP_RETURN_CODE) where no GPU exists, so
// machines without one report the tests as skipped instead of passed.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>

#include "engine/allocator.h"
#include "kernels/common/math_mode.h"

int main(int argc, char** argv) {
  if (!hr::cuda_available()) {
    std::printf("[cuda] tests skipped: no CUDA device present\n");
    return 77;
  }
  // Parity with the CPU is checked in plain fp32: no TF32 in cuDNN or cuBLAS, whatever
  // HRNET_TF32 says.
  hr::kern::set_cuda_tf32(false);
  // The registry tests set the kernel choice themselves and need the process registry fresh:
  // an inherited HRNET_KERNELS would make every earlier conv2d create it (and measure).
  unsetenv("HRNET_KERNELS");
  unsetenv("HRNET_CONV_BF16");
  return Catch::Session().run(argc, argv);
}
