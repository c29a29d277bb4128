#include <catch2/catch.hpp>

#include "engine/engine.h"

using namespace hr;

TEST_CASE("CUDA tensors round-trip through device memory", "[cuda]") {
  Rng rng(1);
  Tensor h = randn(Shape{2, 5, 7, 3}, rng);
  Tensor d = h.to(Device::CUDA);
  REQUIRE(d.device() == Device::CUDA);
  Tensor back = d.to(Device::CPU);
  REQUIRE(back.to_vector<float>() == h.to_vector<float>());
  Tensor z = Tensor::zeros(Shape{1000}, DType::f32, Device::CUDA);
  for (float v : z.to_vector<float>()) REQUIRE(v == 0.0f);
}

TEST_CASE("The caching allocator reuses freed blocks", "[cuda]") {
  { Tensor a = Tensor::empty(Shape{1 << 20}, DType::f32, Device::CUDA); }
  const size_t allocs = cuda_memory_stats().driver_allocs;
  for (int i = 0; i < 10; ++i) {
    Tensor a = Tensor::empty(Shape{1 << 20}, DType::f32, Device::CUDA);
  }
  REQUIRE(cuda_memory_stats().driver_allocs == allocs);
  REQUIRE(cuda_memory_stats().cached >= (size_t(4) << 20));
}

TEST_CASE("CUDA out-of-memory names the request", "[cuda]") {
  const int64_t huge = int64_t(1) << 40;  // 4 TiB of floats
  try {
    Tensor t = Tensor::empty(Shape{huge}, DType::f32, Device::CUDA);
    FAIL("allocation should have failed");
  } catch (const Error& e) {
    REQUIRE(std::string(e.what()).find("out of memory") != std::string::npos);
  }
}
