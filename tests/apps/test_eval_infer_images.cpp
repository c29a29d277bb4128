// hrnet-eval --cfg (the full evaluation) and hrnet-infer --image end to end on coco-mini with
// an untrained demo network: files in the official formats, tables printed, error exits.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "datasets/image/image.h"
#include "engine/engine.h"
#include "engine/io/safetensors.h"
#include "hrnet/from_config.h"
#include "hrnet/weights.h"
#include "support/files.h"
#include "support/test_data.h"

namespace fs = std::filesystem;

namespace {

int run(const std::string& cmd, const fs::path& dir, std::string* out, std::string* err) {
  const int rc = std::system((cmd + " > " + (dir / "o.txt").string() + " 2> " +
                              (dir / "e.txt").string()).c_str());
  *out = hr::test::read_text(dir / "o.txt");
  *err = hr::test::read_text(dir / "e.txt");
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

const std::string kDemoCfg = std::string(HRNET_EXPERIMENTS_DIR) + "/demo/hrnet/w16_128x96_demo.yaml";

fs::path demo_weights(const fs::path& dir) {
  auto net = hr::net::build_network(hr::cfg::load_config(kDemoCfg));
  hr::Rng rng(5);
  net->init_weights(rng);
  const fs::path p = dir / "demo.safetensors";
  hr::io::write_safetensors(p.string(), hr::net::export_state_dict(*net));
  return p;
}

}  // namespace

TEST_CASE("hrnet-eval --cfg evaluates a model on coco-mini end to end", "[apps][eval]") {
  hr::test::ScratchDir tmp("eval_app");
  const fs::path w = demo_weights(tmp.path);
  const std::string mini = hr::test::test_data_dir() + "/coco-mini";
  const std::string base = std::string(HRNET_EVAL_EXE) + " --cfg " + kDemoCfg + " --out " +
                           (tmp.path / "out").string() + " DATASET.ROOT " + mini +
                           " DATASET.TEST_SET val2017 WORKERS 2";
  std::string out, err;
  SECTION("GT boxes, flip test") {
    REQUIRE(run(base + " TEST.USE_GT_BBOX true TEST.FLIP_TEST true TEST.MODEL_FILE " + w.string(),
                tmp.path, &out, &err) == 0);
    CHECK(out.find("Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets= 20 ]") !=
          std::string::npos);
    CHECK(out.find("| Arch | AP | Ap .5 |") != std::string::npos);
    CHECK(out.find("12 samples") != std::string::npos);
    const fs::path res = tmp.path / "out" / "results" / "keypoints_val2017_results_0.json";
    REQUIRE(fs::exists(res));
    std::ifstream f(res);
    CHECK(nlohmann::json::parse(f).is_array());
  }
  SECTION("detector boxes, DARK") {
    REQUIRE(run(base + " --dark TEST.USE_GT_BBOX false TEST.COCO_BBOX_FILE " + mini +
                    "/person_detection_results/COCO_val2017_detections_AP_H_56_person.json"
                    " TEST.MODEL_FILE " + w.string(),
                tmp.path, &out, &err) == 0);
    CHECK(err.find("detector boxes") != std::string::npos);
    CHECK(err.find("DARK") != std::string::npos);
  }
  SECTION("bad inputs") {
    CHECK(run(base, tmp.path, &out, &err) == 1);  // no TEST.MODEL_FILE
    CHECK(err.find("TEST.MODEL_FILE") != std::string::npos);
    CHECK(run(base + " TEST.MODEL_FILE " + (tmp.path / "none.safetensors").string(), tmp.path, &out,
              &err) == 1);
    CHECK(err.find("none.safetensors") != std::string::npos);
    // Weights of the demo net into the W32 config: the mismatched tensor is named.
    const std::string w32 =
        std::string(HRNET_EXPERIMENTS_DIR) + "/coco/hrnet/w32_256x192_adam_lr1e-3.yaml";
    CHECK(run(std::string(HRNET_EVAL_EXE) + " --cfg " + w32 + " DATASET.ROOT " + mini +
                  " DATASET.TEST_SET val2017 TEST.MODEL_FILE " + w.string(),
              tmp.path, &out, &err) == 1);
    CHECK(err.find("wrong shape") != std::string::npos);
  }
}

TEST_CASE("hrnet-infer --image draws keypoints of boxes or of the whole picture",
          "[apps][infer]") {
  hr::test::ScratchDir tmp("eval_app");
  const fs::path w = demo_weights(tmp.path);
  const std::string mini = hr::test::test_data_dir() + "/coco-mini";
  const std::string image = mini + "/images/val2017/000000196141.jpg";
  const std::string base = std::string(HRNET_INFER_EXE) + " --cfg " + kDemoCfg + " --weights " +
                           w.string() + " --image " + image;
  const fs::path png = tmp.path / "pic.png", js = tmp.path / "kp.json";
  std::string out, err;
  // Boxes from the COCO detections file: only this image's are kept.
  REQUIRE(run(base + " --boxes " + mini +
                  "/person_detection_results/COCO_val2017_detections_AP_H_56_person.json"
                  " --box-thre 0.5 --out " + png.string() + " --json " + js.string(),
              tmp.path, &out, &err) == 0);
  const auto pic = hr::data::decode_image(png.string());
  const auto src = hr::data::decode_image(image);
  CHECK(pic.width == src.width);
  CHECK(pic.height == src.height);
  CHECK(pic.pixels != src.pixels);  // something was drawn
  std::ifstream f(js);
  const auto people = nlohmann::json::parse(f);
  REQUIRE(people.is_array());
  CHECK(people.size() >= 1);
  for (const auto& p : people) {
    CHECK(p["keypoints"].size() == 51);
    CHECK(p["box_score"].get<double>() >= 0.5);
  }
  // No boxes: the whole image is one person.
  REQUIRE(run(base + " --json " + js.string(), tmp.path, &out, &err) == 0);
  std::ifstream g(js);
  CHECK(nlohmann::json::parse(g).size() == 1);
  // A malformed boxes file is an error naming it.
  std::ofstream(tmp.path / "bad.json") << "[{\"bbox\": [1, 2, 3]}]";
  CHECK(run(base + " --boxes " + (tmp.path / "bad.json").string(), tmp.path, &out, &err) == 1);
  CHECK(err.find("bad.json") != std::string::npos);
}
