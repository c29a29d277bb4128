// hrnet-eval: evaluation tools.
//
//   hrnet-eval score --gt person_keypoints_val2017.json --results results.json [--json OUT]
//
// `score` computes the COCO keypoint AP/AR of a results file exactly as pycocotools'
// COCOeval(iouType='keypoints') does, prints the standard ten-line table and optionally
// writes the ten numbers as JSON (AP, AP50, AP75, APm, APl, AR, AR50, AR75, ARm, ARl).
//
// Each mode lives in its own <mode>_cmd.{h,cpp} with an add_<mode>() that registers the
// subcommand and a run_<mode>() that executes it; a new mode adds one pair and two lines here.
#include <CLI/CLI.hpp>

#include "apps/common/app.h"
#include "apps/hrnet-eval/score_cmd.h"

int main(int argc, char** argv) {
  return hr::app::guarded_main("hrnet-eval", [&]() -> int {
    CLI::App app{"hrnet-eval: evaluation (COCO keypoint AP/AR)"};
    app.require_subcommand(1);
    hr::app::eval::ScoreOptions score;
    CLI::App* score_cmd = hr::app::eval::add_score(app, score);
    try {
      app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
      return app.exit(e);
    }
    if (score_cmd->parsed()) return hr::app::eval::run_score(score);
    return 1;
  });
}
