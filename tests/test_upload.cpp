// engine/upload.h on the CPU (the trainer's path without a GPU): nothing is copied, and misuse
// is an error. The CUDA behaviour is a [cuda] test in tests/cuda/test_cuda_memory.cpp.
#include <catch2/catch.hpp>

#include "engine/engine.h"
#include "engine/upload.h"

using namespace hr;

TEST_CASE("Upload to the CPU hands back the host tensors, once", "[upload]") {
  Rng rng(3);
  const Tensor a = randn(Shape{2, 3}, rng), b = randn(Shape{5}, rng);
  Upload u = Upload::start({a, b}, Device::CPU);
  CHECK(u.pending());
  const std::vector<Tensor> got = u.take();
  REQUIRE(got.size() == 2);
  CHECK(got[0].shares_storage(a));
  CHECK(got[1].shares_storage(b));
  CHECK_FALSE(u.pending());
  CHECK_THROWS_WITH(u.take(), Catch::Contains("taken already"));
  CHECK_THROWS_WITH(Upload::start({}, Device::CPU), Catch::Contains("nothing to upload"));
  CHECK_THROWS_WITH(Upload::start({Tensor()}, Device::CPU), Catch::Contains("Upload::start input"));
}
