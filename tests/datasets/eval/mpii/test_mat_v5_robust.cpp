// The reader on damaged files: every truncation and many deterministic byte corruptions of
// the fixtures either parse or end in hr::Error, never in a crash or another exception (run
// under the debug-asan preset, this also catches out-of-bounds reads).
#include <catch2/catch.hpp>
#include <cstdint>

#include "datasets/eval/mpii/mat_v5.h"
#include "engine/error.h"
#include "mpii_test_support.h"

using namespace hr::data::mat;
using namespace hr::test::mpii;

namespace {

// 0: parsed, 1: hr::Error. Any other exception escapes and fails the test.
int outcome(const std::vector<uint8_t>& b) {
  try {
    parse_mat_v5(b, "damaged.mat");
    return 0;
  } catch (const hr::Error&) {
    return 1;
  }
}

}  // namespace

TEST_CASE("MAT v5 robustness: every truncation parses or fails cleanly", "[mpii_eval]") {
  for (const char* name : {"gt_small_uncompressed.mat", "gt_small.mat"}) {
    const std::vector<uint8_t> full = read_bytes(fixture(name));
    int parsed = 0, failed = 0;
    for (size_t n = 0; n < full.size(); ++n) {
      const std::vector<uint8_t> cut(full.begin(), full.begin() + static_cast<long>(n));
      (outcome(cut) == 0 ? parsed : failed)++;
    }
    INFO(name << ": parsed " << parsed << ", failed " << failed);
    // Only cuts at element boundaries (and the header-only file) parse.
    CHECK(parsed >= 2);
    CHECK(parsed < 40);
    CHECK(failed > static_cast<int>(full.size()) - 40);
  }
}

TEST_CASE("MAT v5 robustness: corrupted bytes parse or fail cleanly", "[mpii_eval]") {
  for (const char* name : {"gt_small_uncompressed.mat", "gt_small.mat"}) {
    const std::vector<uint8_t> full = read_bytes(fixture(name));
    uint64_t state = 12345;  // a fixed LCG: the same corruptions on every run
    auto next = [&] {
      state = state * 6364136223846793005ull + 1442695040888963407ull;
      return state >> 33;
    };
    int failed = 0;
    for (int trial = 0; trial < 3000; ++trial) {
      std::vector<uint8_t> b = full;
      const int flips = 1 + static_cast<int>(next() % 3);
      for (int k = 0; k < flips; ++k) {
        const size_t at = 128 + next() % (b.size() - 128);  // the header has its own tests
        b[at] = static_cast<uint8_t>(next());
      }
      failed += outcome(b);
    }
    INFO(name << ": " << failed << " of 3000 corruptions rejected");
    CHECK(failed > 0);  // the corruptions do reach the parser's checks
  }
}
