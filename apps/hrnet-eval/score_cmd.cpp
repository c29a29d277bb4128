#include "apps/hrnet-eval/score_cmd.h"

#include <fmt/format.h>

#include <chrono>

#include "datasets/eval/coco/coco_eval.h"
#include "datasets/eval/coco/coco_files.h"

namespace hr::app::eval {

CLI::App* add_score(CLI::App& app, ScoreOptions& o) {
  CLI::App* sub = app.add_subcommand("score", "COCO keypoint AP/AR of a results file (equal to pycocotools)");
  sub->add_option("--gt", o.gt, "COCO keypoint annotation file (person_keypoints_*.json)")->required();
  sub->add_option("--results", o.results, "results JSON: [{image_id, category_id, keypoints[51], score}, ...]")
      ->required();
  sub->add_option("--json", o.json, "also write the ten numbers (AP, AP50, ..., ARl) to this JSON file");
  return sub;
}

int run_score(const ScoreOptions& o) {
  namespace ce = hr::data::cocoeval;
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  const ce::EvalInputs in = ce::load_eval_inputs(o.gt, o.results);
  const auto t1 = clock::now();
  const ce::EvalResult r = ce::evaluate(in.gt, in.dts);
  const auto t2 = clock::now();
  auto ms = [](auto a, auto b) { return std::chrono::duration<double, std::milli>(b - a).count(); };
  fmt::print("{} images, {} annotations, {} results\n", in.gt.image_ids.size(), in.gt.annotations.size(),
             in.dts.size());
  fmt::print("{}", ce::format_summary(r));
  fmt::print("time: read files {:.1f} ms, evaluate {:.1f} ms\n", ms(t0, t1), ms(t1, t2));
  if (!o.json.empty()) ce::write_stats_json(o.json, r.stats);
  return 0;
}

}  // namespace hr::app::eval
