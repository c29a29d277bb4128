#include <catch2/catch.hpp>

#include <cstdint>
#include <cstdlib>
#include <string>

#include "engine/cuda/cuda_memory.h"
#include "engine/engine.h"

using namespace hr;

TEST_CASE("tensors are contiguous, typed and 64-byte aligned", "[tensor]") {
  Tensor t = Tensor::zeros(Shape{2, 3, 4, 5});
  CHECK(t.numel() == 120);
  CHECK(t.nbytes() == 480);
  CHECK(t.ndim() == 4);
  CHECK(t.size(-1) == 5);
  CHECK(reinterpret_cast<uintptr_t>(t.raw()) % 64 == 0);
  for (float v : t.to_vector<float>()) CHECK(v == 0.0f);
  CHECK(t.desc() == "f32[2, 3, 4, 5]@cpu");
}

TEST_CASE("tensor shape rules", "[tensor]") {
  CHECK_THROWS_WITH((Shape{1, 2, 3, 4, 5}), Catch::Contains("at most 4"));
  CHECK_THROWS(Shape{2, 3}[2]);
  Tensor t = Tensor::full(Shape{2, 6}, 3.0);
  Tensor r = t.reshape(Shape{3, 4});
  CHECK(r.shares_storage(t));
  CHECK_THROWS_WITH(t.reshape(Shape{5}), Catch::Contains("cannot reshape"));
  Tensor c = t.clone();
  CHECK_FALSE(c.shares_storage(t));
  CHECK(c.to_vector<float>() == t.to_vector<float>());
}

TEST_CASE("tensor dtype checks and conversions", "[tensor]") {
  Tensor t = Tensor::from_vector<float>(Shape{3}, {1.5f, -2.0f, 3.25f});
  CHECK_THROWS_WITH(t.data<double>(), Catch::Contains("accessed as f64"));
  Tensor d = t.to(DType::f64);
  CHECK(d.dtype() == DType::f64);
  CHECK(d.to_vector<double>() == std::vector<double>{1.5, -2.0, 3.25});
  CHECK(d.to(DType::i64).to_vector<int64_t>() == std::vector<int64_t>{1, -2, 3});
  CHECK_THROWS_WITH(Tensor::from_vector<float>(Shape{2}, {1, 2, 3}), Catch::Contains("needs 2 values"));
  Tensor o = Tensor::zeros(Shape{2});
  CHECK_THROWS_WITH(o.copy_from(t), Catch::Contains("shape or dtype differ"));
}

TEST_CASE("device checks", "[tensor]") {
  if (!cuda_available()) {
    CHECK_THROWS(Tensor::empty(Shape{4}, DType::f32, Device::CUDA));
  }
  CHECK_THROWS_WITH(Tensor::empty(Shape{4}, DType::f64, Device::CUDA), Catch::Contains("CPU only"));
}

TEST_CASE("caching allocator block sizes", "[tensor][cuda-host]") {
  CHECK(cuda::round_block_size(1) == 512);
  CHECK(cuda::round_block_size(512) == 512);
  CHECK(cuda::round_block_size(513) == 1024);
  CHECK(cuda::round_block_size(1 << 20) == (1 << 20));
  CHECK(cuda::round_block_size((1 << 20) + 1) == (2 << 20));
  CHECK(cuda::round_block_size((5 << 20) + 7) == (6 << 20));
}

TEST_CASE("large host blocks are reused, small ones are not cached", "[tensor]") {
  host_empty_cache();
  if (const char* e = std::getenv("HRNET_HOST_CACHE"); e && std::string(e) == "0") {
    // The cache is switched off (as for ASan runs): nothing may be held.
    { Tensor t = Tensor::empty(Shape{1 << 18}); }
    CHECK(host_cached_bytes() == 0);
    return;
  }
  const void* first = nullptr;
  {
    Tensor t = Tensor::empty(Shape{1 << 18});  // 1 MiB
    first = t.raw();
  }
  CHECK(host_cached_bytes() == (size_t(1) << 20));
  Tensor again = Tensor::empty(Shape{(1 << 18) - 5});  // same size class
  CHECK(again.raw() == first);
  CHECK(host_cached_bytes() == 0);
  { Tensor small = Tensor::empty(Shape{16}); }
  CHECK(host_cached_bytes() == 0);
  host_empty_cache();
}

TEST_CASE("pinned tensors fall back to pageable memory without a GPU", "[tensor]") {
  const hr::Tensor t = hr::Tensor::empty_pinned(hr::Shape{2, 3});
  CHECK(t.is_cpu());
  CHECK(t.numel() == 6);
  // Page-locked only where a CUDA device exists; either way a usable, aligned CPU tensor.
  CHECK(t.is_pinned() == hr::cuda_available());
  CHECK(reinterpret_cast<uintptr_t>(t.raw()) % 64 == 0);
}
