// Every golden case (results files derived from coco-mini, a hand-made GT with crowd /
// zero-keypoint / id-0 annotations and images without GT, and two seeded random "stress"
// sets) against pycocotools' ten numbers. The brief demands 1e-6; the implementation follows
// numpy's operation order, so the numbers are in fact identical, and that is checked too.
#include <catch2/catch.hpp>

#include <cmath>

#include "coco_eval_test_support.h"
#include "datasets/eval/coco/coco_files.h"

namespace ce = hr::data::cocoeval;
using namespace hr::test::cocoeval;

TEST_CASE("COCO keypoint eval equals pycocotools on every golden case", "[coco_eval]") {
  const auto cases = golden_cases();
  REQUIRE(cases.size() >= 14);
  for (const GoldenCase& g : cases) {
    INFO("case " << g.name);
    const ce::EvalInputs in = ce::load_eval_inputs(g.gt_path, g.results_path);
    const ce::EvalResult r = ce::evaluate(in.gt, in.dts);
    for (int i = 0; i < 10; ++i) {
      INFO(ce::kStatNames[i] << ": ours " << r.stats[i] << ", pycocotools " << g.stats[i]);
      CHECK(std::fabs(r.stats[i] - g.stats[i]) <= 1e-6);
      CHECK(r.stats[i] == g.stats[i]);
    }
  }
}

TEST_CASE("COCO eval golden cases are not degenerate", "[coco_eval]") {
  // The fixtures must exercise the rules: several distinct AP values, -1-free and all-zero
  // cases, so that a broken rule moves some number.
  int nonzero = 0, perfect_recall = 0;
  for (const GoldenCase& g : golden_cases()) {
    if (g.stats[0] > 0.05 && g.stats[0] < 0.95) ++nonzero;
    if (g.stats[6] == 1.0) ++perfect_recall;
  }
  CHECK(nonzero >= 8);
  CHECK(perfect_recall >= 2);
}
