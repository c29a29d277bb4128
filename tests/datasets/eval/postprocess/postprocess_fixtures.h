// The golden fixtures of tests/fixtures/postprocess (tests/reference/make_postprocess_fixtures.py):
// heatmap cases from decode.safetensors and the NMS cases from nms.json, read once.
#pragma once
#include <array>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "datasets/eval/postprocess/heatmaps.h"
#include "datasets/eval/postprocess/nms.h"

namespace hr::test::post {

struct DecodeCase {
  std::string name;
  data::post::HeatmapShape shape;
  std::vector<float> heatmaps;  // NCHW
  std::vector<std::array<double, 2>> centers, scales;
  std::vector<float> max_coords;   // N*J*2
  std::vector<float> maxvals;      // N*J
  std::vector<float> hm_default;   // N*J*2, heatmap pixels after the quarter offset
  std::vector<float> hm_dark;      // N*J*2, heatmap pixels after DARK
  std::vector<float> final_none, final_default, final_dark;  // N*J*2, image pixels
  // Flip test (empty when the case has none).
  std::vector<std::pair<int, int>> flip_pairs;
  std::vector<float> flipped, flip_back, flip_merged;
};

// Cases "tiny" (2x17, 7x5), "coco" (1x17, 64x48), "mpii" (1x16, 32x32), "odd" (3x3, 11x9).
const DecodeCase& decode_case(const std::string& name);

const nlohmann::json& nms_fixture();
// The instances of nms.json as the library's type (score = the box score).
std::vector<data::post::PoseInstance> nms_instances();

}  // namespace hr::test::post
