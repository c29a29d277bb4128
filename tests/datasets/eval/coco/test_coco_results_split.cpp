// Results files of 4 MB and more are parsed in two halves at once (coco_results.cpp). The
// outcome must be exactly that of a sequential parse: same results in the same order, the
// same error with the same index, also when the guessed split point lies inside a string.
#include <catch2/catch.hpp>

#include <string>

#include "datasets/eval/coco/coco_results.h"
#include "engine/error.h"

namespace ce = hr::data::cocoeval;
using Catch::Matchers::Contains;

namespace {

std::string result_text(size_t i, const std::string& extra = "") {
  std::string s = "{\"image_id\": " + std::to_string(i % 97) + ", \"category_id\": 1, \"keypoints\": [";
  for (int k = 0; k < 51; ++k) s += (k ? ", " : "") + std::to_string(i * 51 + k) + ".25";
  s += "], \"score\": 0." + std::to_string(i % 1000) + extra + "}";
  return s;
}

// n results, one per line; result `with_extra` gets `extra` appended inside its object.
std::string results_file(size_t n, size_t with_extra = size_t(-1), const std::string& extra = "") {
  std::string s = "[\n";
  for (size_t i = 0; i < n; ++i) {
    if (i) s += ",\n";
    s += result_text(i, i == with_extra ? extra : "");
  }
  return s + "\n]\n";
}

void check_sequence(const std::vector<ce::KeypointResult>& r, size_t n) {
  REQUIRE(r.size() == n);
  for (size_t i = 0; i < n; i += 997) {
    CHECK(r[i].image_id == int64_t(i % 97));
    CHECK(r[i].keypoints[50] == double(i * 51 + 50) + 0.25);
  }
  CHECK(r[n - 1].keypoints[0] == double((n - 1) * 51) + 0.25);
}

}  // namespace

TEST_CASE("Large results files parse in two halves to the sequential result", "[coco_eval]") {
  const size_t n = 12000;  // ~6 MB
  const std::string text = results_file(n);
  REQUIRE(text.size() > (size_t(4) << 20));
  check_sequence(ce::parse_results(text, "big.json"), n);
}

TEST_CASE("A split guess inside a string falls back to the sequential parse", "[coco_eval]") {
  // A 4 MB string right at the middle holding "}, {": the guess lands in it.
  const size_t n = 3000;
  const std::string note = ", \"note\": \"" + std::string(size_t(2) << 20, 'a') + "}, {\\\"image_id\\\": 1}" +
                           std::string(size_t(2) << 20, 'b') + "\"";
  const std::string text = results_file(n, n / 2, note);
  REQUIRE(text.size() > (size_t(4) << 20));
  check_sequence(ce::parse_results(text, "note.json"), n);
}

TEST_CASE("An error in the second half keeps its true index", "[coco_eval][errors]") {
  const size_t n = 12000;
  const std::string text = results_file(n, n - 3, ", \"image_id\": \"seven\"");
  CHECK_THROWS_WITH(ce::parse_results(text, "bad_tail.json"),
                    Contains("bad_tail.json") && Contains("results[11997].image_id"));
}
