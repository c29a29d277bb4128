#include "coco_eval_test_support.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>

#include "support/test_data.h"

namespace hr::test::cocoeval {

namespace ce = data::cocoeval;

std::string fixture_dir() { return HRNET_COCO_EVAL_FIXTURES; }

std::vector<GoldenCase> golden_cases() {
  std::ifstream f(fixture_dir() + "/golden.json");
  const nlohmann::json j = nlohmann::json::parse(f);
  std::vector<GoldenCase> out;
  for (const auto& c : j.at("cases")) {
    GoldenCase g;
    g.name = c.at("name").get<std::string>();
    const std::string gt = c.at("gt").get<std::string>();
    g.gt_path = gt == "coco-mini" ? test_data_dir() + "/coco-mini/annotations/person_keypoints_val2017.json"
                                  : fixture_dir() + "/" + gt;
    g.results_path = fixture_dir() + "/" + c.at("results").get<std::string>();
    for (int i = 0; i < 10; ++i) g.stats[i] = c.at("stats").at(i).get<double>();
    out.push_back(g);
  }
  return out;
}

ce::GtAnnotation person(int64_t id, int64_t image_id, double area, std::array<double, 4> bbox,
                        const std::vector<std::array<double, 3>>& joints) {
  ce::GtAnnotation a;
  a.id = id;
  a.image_id = image_id;
  a.category_id = 1;
  a.area = area;
  a.bbox = bbox;
  for (const auto& j : joints) {
    const int k = static_cast<int>(j[0]);
    a.keypoints[3 * k] = j[1];
    a.keypoints[3 * k + 1] = j[2];
    a.keypoints[3 * k + 2] = 2;
  }
  a.num_keypoints = static_cast<double>(joints.size());
  return a;
}

ce::KeypointResult detection_at(const ce::GtAnnotation& g, double score, double dx, double dy) {
  ce::KeypointResult r;
  r.image_id = g.image_id;
  r.category_id = 1;
  r.score = score;
  for (int k = 0; k < ce::kNumKeypoints; ++k) {
    r.keypoints[3 * k] = g.keypoints[3 * k] + dx;
    r.keypoints[3 * k + 1] = g.keypoints[3 * k + 1] + dy;
    r.keypoints[3 * k + 2] = 1;
  }
  return r;
}

ce::GroundTruth ground_truth(std::vector<int64_t> image_ids, std::vector<ce::GtAnnotation> anns) {
  ce::GroundTruth gt;
  gt.file = "in-memory GT";
  std::sort(image_ids.begin(), image_ids.end());
  gt.image_ids = std::move(image_ids);
  gt.category_ids = {1};
  gt.annotations = std::move(anns);
  return gt;
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary);
  f << text;
}

}  // namespace hr::test::cocoeval
