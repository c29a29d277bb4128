#include <catch2/catch.hpp>

#include <atomic>
#include <stdexcept>
#include <vector>

#include "engine/threads.h"
#include "kernels/common/thread_pool.h"

using namespace hr;

TEST_CASE("parallel_for visits every index exactly once", "[threads]") {
  for (int threads : {1, 2, 3, 5}) {
    set_num_threads(threads);
    for (int64_t n : {0, 1, 7, 1000, 100003}) {
      std::vector<std::atomic<int>> seen(static_cast<size_t>(n));
      kern::parallel_for(n, 10, [&](int64_t b, int64_t e, int) {
        for (int64_t i = b; i < e; ++i) seen[size_t(i)]++;
      });
      for (auto& s : seen) REQUIRE(s.load() == 1);
    }
  }
  set_num_threads(0);
}

TEST_CASE("parallel_for chunking is deterministic and respects the grain", "[threads]") {
  set_num_threads(4);
  CHECK(num_threads() == 4);
  CHECK(kern::parallel_chunks(100, 50) == 2);
  CHECK(kern::parallel_chunks(1000, 1) == 4);
  CHECK(kern::parallel_chunks(0, 1) == 0);
  std::vector<std::pair<int64_t, int64_t>> a(4), b(4);
  kern::parallel_for(1001, 1, [&](int64_t s, int64_t e, int c) { a[size_t(c)] = {s, e}; });
  kern::parallel_for(1001, 1, [&](int64_t s, int64_t e, int c) { b[size_t(c)] = {s, e}; });
  CHECK(a == b);
  CHECK(a[0].first == 0);
  CHECK(a[3].second == 1001);
  set_num_threads(0);
}

TEST_CASE("parallel_for propagates exceptions and survives them", "[threads]") {
  set_num_threads(3);
  CHECK_THROWS_WITH(kern::parallel_for(100, 1, [](int64_t b, int64_t, int) {
    if (b > 0) throw std::runtime_error("boom");
  }), "boom");
  std::atomic<int64_t> sum{0};
  kern::parallel_for(100, 1, [&](int64_t b, int64_t e, int) { sum += e - b; });
  CHECK(sum == 100);
  set_num_threads(0);
}

TEST_CASE("nested parallel_for runs serially inside a chunk", "[threads]") {
  set_num_threads(2);
  std::atomic<int64_t> total{0};
  kern::parallel_for(4, 1, [&](int64_t b, int64_t e, int) {
    for (int64_t i = b; i < e; ++i)
      kern::parallel_for(10, 1, [&](int64_t b2, int64_t e2, int) { total += e2 - b2; });
  });
  CHECK(total == 40);
  set_num_threads(0);
}
