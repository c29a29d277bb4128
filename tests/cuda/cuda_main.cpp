// Entry point of the [cuda] tests: exits 77 (CTest SKIP_RETURN_CODE) where no GPU exists, so
// machines without one report the tests as skipped instead of passed.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <cstdio>

#include "engine/allocator.h"

int main(int argc, char** argv) {
  if (!hr::cuda_available()) {
    std::printf("[cuda] tests skipped: no CUDA device present\n");
    return 77;
  }
  return Catch::Session().run(argc, argv);
}
