// hrnet-eval score end to end: the table and the JSON of a golden case, and the error exits.
#include <catch2/catch.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include "datasets/eval/coco/coco_eval.h"
#include "datasets/eval/coco/coco_eval_test_support.h"  // tests/datasets/...

namespace fs = std::filesystem;
namespace ce = hr::data::cocoeval;
using namespace hr::test::cocoeval;

namespace {

struct TempDir {
  fs::path path = fs::temp_directory_path() / ("hrnet_eval_score_test_" + std::to_string(::getpid()));
  TempDir() { fs::create_directories(path); }
  ~TempDir() { fs::remove_all(path); }
};

// Runs a command with stdout and stderr in files; returns the exit code.
int run(const std::string& cmd, const fs::path& out, const fs::path& err) {
  const int rc = std::system((cmd + " > " + out.string() + " 2> " + err.string()).c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

std::string slurp(const fs::path& p) {
  std::ifstream f(p);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string score_cmd(const std::string& gt, const std::string& results, const std::string& json = "") {
  std::string c = std::string(HRNET_EVAL_EXE) + " score --gt " + gt + " --results " + results;
  if (!json.empty()) c += " --json " + json;
  return c;
}

}  // namespace

TEST_CASE("hrnet-eval score prints the table and writes pycocotools' numbers", "[coco_eval][apps]") {
  TempDir tmp;
  for (const GoldenCase& g : golden_cases()) {
    if (g.name != "handmade" && g.name != "mini_perturbed") continue;
    INFO(g.name);
    const fs::path json = tmp.path / (g.name + ".json");
    REQUIRE(run(score_cmd(g.gt_path, g.results_path, json.string()), tmp.path / "out", tmp.path / "err") == 0);
    const std::string out = slurp(tmp.path / "out");
    CHECK(out.find(" Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets= 20 ] = " +
                   fmt::format("{:0.3f}", g.stats[0])) != std::string::npos);
    CHECK(out.find(" Average Recall     (AR) @[ IoU=0.50:0.95 | area= large | maxDets= 20 ] = " +
                   fmt::format("{:0.3f}", g.stats[9])) != std::string::npos);
    const auto j = nlohmann::json::parse(slurp(json));
    REQUIRE(j.size() == 10);
    for (int i = 0; i < 10; ++i) CHECK(j.at(ce::kStatNames[i]).get<double>() == g.stats[i]);
    // Written through a temporary name: nothing else is left in the folder.
    for (const auto& e : fs::directory_iterator(tmp.path))
      CHECK(e.path().filename().string().find(".tmp") == std::string::npos);
  }
}

TEST_CASE("hrnet-eval score fails clearly on bad input", "[coco_eval][apps][errors]") {
  TempDir tmp;
  const std::string gt = fixture_dir() + "/handmade_gt.json";
  const fs::path json = tmp.path / "stats.json";
  // Unknown image id.
  const std::string bad_img = (tmp.path / "bad_img.json").string();
  std::string zeros = "0";
  for (int i = 1; i < 51; ++i) zeros += ", 0";
  write_text(bad_img, R"([{"image_id": 424242, "category_id": 1, "score": 1, "keypoints": [)" + zeros + "]}]");
  CHECK(run(score_cmd(gt, bad_img, json.string()), tmp.path / "out", tmp.path / "err") == 1);
  CHECK(slurp(tmp.path / "err").find("results[0].image_id 424242") != std::string::npos);
  CHECK_FALSE(fs::exists(json));  // nothing written on failure
  // Missing results file.
  CHECK(run(score_cmd(gt, (tmp.path / "none.json").string()), tmp.path / "out", tmp.path / "err") == 1);
  CHECK(slurp(tmp.path / "err").find("none.json") != std::string::npos);
  // Malformed GT.
  const std::string bad_gt = (tmp.path / "bad_gt.json").string();
  write_text(bad_gt, "{\"images\": [");
  CHECK(run(score_cmd(bad_gt, fixture_dir() + "/handmade_results.json"), tmp.path / "out", tmp.path / "err") == 1);
  CHECK(slurp(tmp.path / "err").find("bad_gt.json: malformed JSON") != std::string::npos);
  // A missing option is a usage error.
  CHECK(run(std::string(HRNET_EVAL_EXE) + " score --gt " + gt, tmp.path / "out", tmp.path / "err") != 0);
}
