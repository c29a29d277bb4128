// A small synthetic COCO-layout dataset shared by the pipeline tests: written once per test
// process into a temporary directory (removed at exit) and loaded as GT records.
#pragma once
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "datasets/annotations/coco.h"
#include "datasets/pipeline/sample.h"
#include "datasets/synthetic/synth.h"

namespace hr::test {

struct PipelineFixture {
  std::filesystem::path dir;
  std::vector<hr::data::PoseRecord> train;  // GT people of train2017

  PipelineFixture() {
    dir = std::filesystem::temp_directory_path() /
          ("hrnet_pipeline_test_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    hr::data::synth::DatasetOptions o;
    o.num_images = 10;
    o.seed = 7;
    o.val_fraction = 0.2;
    o.render.min_size = 128;
    o.render.max_size = 192;
    hr::data::synth::write_dataset(dir.string(), o);
    train = hr::data::load_coco_gt(dir.string(), "train2017", {48, 64}).db;
  }
  ~PipelineFixture() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }

  static const PipelineFixture& get() {
    static PipelineFixture f;
    return f;
  }
};

// Small sizes so that the tests run fast: input 48x64, heatmaps 12x16, 17 COCO joints.
inline hr::data::SampleOptions small_sample_options(bool train) {
  hr::data::SampleOptions o;
  o.image_size = {48, 64};
  o.heatmap_size = {12, 16};
  o.sigma = 2;
  o.train = train;
  o.flip = true;
  o.scale_factor = 0.35;
  o.rot_factor = 45;
  o.prob_half_body = 0.3;
  o.num_joints_half_body = 8;
  return o;
}

}  // namespace hr::test
