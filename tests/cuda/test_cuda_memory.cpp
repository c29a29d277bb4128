#include <catch2/catch.hpp>
#include <cuda_runtime.h>

#include "engine/engine.h"
#include "engine/upload.h"

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

TEST_CASE("Uploads on the copy stream arrive whole and wait for the compute stream", "[cuda]") {
  Rng rng(7);
  NoGradGuard no_grad;
  // Pinned and pageable sources, three tensors in one upload.
  const Tensor a = randn(Shape{3, 33, 17, 5}, rng), b = randn(Shape{4, 9}, rng);
  Tensor pinned = Tensor::empty_pinned(Shape{2, 64, 48, 17});
  pinned.copy_from(randn(pinned.shape(), rng));
  Upload up = Upload::start({a, pinned, b}, Device::CUDA);
  const std::vector<Tensor> dev = up.take();
  REQUIRE(dev.size() == 3);
  CHECK(dev[0].device() == Device::CUDA);
  CHECK(dev[0].to_vector<float>() == a.to_vector<float>());
  CHECK(dev[1].to_vector<float>() == pinned.to_vector<float>());
  CHECK(dev[2].to_vector<float>() == b.to_vector<float>());

  // A block freed while queued kernels still read it is the block an upload of the same size
  // gets from the caching allocator: the copy must wait for those kernels (the compute mark).
  // The source is ready before the kernels are queued, and they are many (~1 GB of traffic
  // each way per 40 adds), so without the mark the copy would land while they still read.
  const Shape big{32, 96, 64, 32};  // 25 MB
  const Tensor host = randn(big, rng);
  Tensor other = Tensor::empty_pinned(big);
  other.fill_(1e6);
  Tensor dx = host.to(Device::CUDA);
  constexpr int kAdds = 400;
  Var acc(dx.clone());
  {
    const Var x(dx);
    for (int k = 0; k < kAdds; ++k) acc = ops::add(acc, x);
  }
  dx = Tensor();  // the block goes back to the cache with the adds still queued
  Upload clobber = Upload::start({other}, Device::CUDA);
  const std::vector<Tensor> got = clobber.take();
  std::vector<float> expect = host.to_vector<float>();
  const std::vector<float> h = expect;
  for (int k = 0; k < kAdds; ++k)
    for (size_t i = 0; i < expect.size(); ++i) expect[i] += h[i];
  CHECK(acc.value().to_vector<float>() == expect);
  CHECK(got[0].to_vector<float>() == other.to_vector<float>());
}
