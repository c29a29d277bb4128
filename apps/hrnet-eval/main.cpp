// hrnet-eval: evaluation.
//
//   hrnet-eval --cfg FILE [--device cpu|cuda] [--out DIR] [--dark] [--max-samples N] [KEY VALUE ...]
//
// The official testing pipeline on DATASET.TEST_SET with the weights of TEST.MODEL_FILE (.pth
// or .safetensors): GT or detector boxes per TEST.USE_GT_BBOX, flip test, post-processing,
// rescoring and OKS-NMS, the results JSON in the official format and the COCO AP/AR table,
// or MPII pred.mat and PCKh (apps/hrnet-eval/eval_cmd.h, hrnet/evaluate/pipeline.h).
//
//   hrnet-eval score --gt person_keypoints_val2017.json --results results.json [--json OUT]
//
// `score` computes the COCO keypoint AP/AR of a results file exactly as pycocotools'
// COCOeval(iouType='keypoints') does, prints the standard ten-line table and optionally
// writes the ten numbers as JSON (AP, AP50, AP75, APm, APl, AR, AR50, AR75, ARm, ARl).
//
// Each subcommand lives in its own <mode>_cmd.{h,cpp} with an add_<mode>() that registers it
// and a run_<mode>() that executes it.
#include <CLI/CLI.hpp>

#include "apps/common/app.h"
#include "apps/common/config_overrides.h"
#include "apps/hrnet-eval/eval_cmd.h"
#include "apps/hrnet-eval/score_cmd.h"

int main(int argc, char** argv) {
  return hr::app::guarded_main("hrnet-eval", [&]() -> int {
    CLI::App app{"hrnet-eval: the official evaluation of a model (COCO AP/AR, MPII PCKh), or "
                 "the COCO keypoint AP/AR of a results file (`score`)"};
    app.require_subcommand(0, 1);
    hr::app::eval::EvalOptions eval;
    hr::app::eval::add_eval(app, eval);
    hr::app::eval::ScoreOptions score;
    CLI::App* score_cmd = hr::app::eval::add_score(app, score);
    try {
      app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
      return app.exit(e);
    }
    if (score_cmd->parsed()) return hr::app::eval::run_score(score);
    eval.overrides = hr::app::config_overrides(app);
    return hr::app::eval::run_eval(eval);
  });
}
