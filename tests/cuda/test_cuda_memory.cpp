#include <catch2/catch.hpp>
#include <cuda_runtime.h>

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

TEST_CASE("Pinned host tensors are page-locked, reused, and copy to the device", "[cuda]") {
  const void* first = nullptr;
  {
    Tensor a = Tensor::empty_pinned(Shape{3, 5, 7, 2});
    REQUIRE(a.is_pinned());
    CHECK(a.is_cpu());
    cudaPointerAttributes attr{};
    REQUIRE(cudaPointerGetAttributes(&attr, a.raw()) == cudaSuccess);
    CHECK(attr.type == cudaMemoryTypeHost);  // page-locked host memory known to CUDA
    float* p = a.data<float>();
    for (int64_t i = 0; i < a.numel(); ++i) p[i] = float(i) * 0.5f;
    const Tensor d = a.to(Device::CUDA);
    CHECK(d.to(Device::CPU).to_vector<float>() == a.to_vector<float>());
    first = a.raw();
  }
  // The freed block of the same size is handed out again (no second cudaHostAlloc).
  const Tensor again = Tensor::empty_pinned(Shape{3, 5, 7, 2});
  CHECK(again.raw() == first);
}
