// hrnet-data end to end: synth writes a dataset, inspect writes one PNG per sample of the
// loader's first batch, bench reports images/s; each bad input exits non-zero with a message.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "datasets/image/image.h"
#include "support/files.h"

namespace fs = std::filesystem;

namespace {

// Runs hrnet-data with `args`; stdout and stderr go to files in `dir`. Returns the exit code.
int hrnet_data(const std::string& args, const fs::path& dir, std::string* out = nullptr,
               std::string* err = nullptr) {
  const fs::path o = dir / "stdout.txt", e = dir / "stderr.txt";
  const std::string cmd = std::string(HRNET_DATA_EXE) + " " + args + " > " + o.string() + " 2> " +
                          e.string();
  const int rc = std::system(cmd.c_str());
  if (out) *out = hr::test::read_text(o);
  if (err) *err = hr::test::read_text(e);
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

const std::string kDemoCfg = std::string(HRNET_EXPERIMENTS_DIR) + "/demo/hrnet/w16_128x96_demo.yaml";

}  // namespace

TEST_CASE("hrnet-data synth, inspect and bench on a small synthetic set", "[apps][data]") {
  hr::test::ScratchDir tmp("data_app");
  const fs::path root = tmp.path / "synthetic";
  std::string out, err;
  REQUIRE(hrnet_data("synth --out " + root.string() + " --images 12 --seed 3 --threads 2",
                     tmp.path, &out, &err) == 0);
  CHECK(fs::exists(root / "annotations" / "person_keypoints_train2017.json"));
  const std::string data = " DATASET.ROOT " + root.string() + "/";

  SECTION("inspect writes the first batch as PNGs of the network's input size") {
    const fs::path pics = tmp.path / "inspect";
    REQUIRE(hrnet_data("inspect --cfg " + kDemoCfg + " --set train --n 5 --out " + pics.string() +
                           data,
                       tmp.path, &out, &err) == 0);
    int pngs = 0;
    for (const auto& e : fs::directory_iterator(pics)) {
      REQUIRE(e.path().extension() == ".png");
      const auto img = hr::data::decode_image(e.path().string());
      CHECK(img.width == 96);  // MODEL.IMAGE_SIZE of the demo config
      CHECK(img.height == 128);
      ++pngs;
    }
    CHECK(pngs == 5);
    CHECK(out.find("000_") != std::string::npos);
    // The same seed writes the same pictures.
    const fs::path again = tmp.path / "inspect2";
    REQUIRE(hrnet_data("inspect --cfg " + kDemoCfg + " --set train --n 5 --out " + again.string() +
                           data,
                       tmp.path) == 0);
    for (const auto& e : fs::directory_iterator(pics))
      CHECK(hr::test::read_text(e.path()) == hr::test::read_text(again / e.path().filename()));
  }

  SECTION("bracketed override values reach the config whole") {
    const fs::path pics = tmp.path / "inspect_small";
    REQUIRE(hrnet_data("inspect --cfg " + kDemoCfg + " --set val --n 1 --out " + pics.string() +
                           data + " MODEL.IMAGE_SIZE [64,96] MODEL.HEATMAP_SIZE [16,24]",
                       tmp.path, &out, &err) == 0);
    for (const auto& e : fs::directory_iterator(pics)) {
      const auto img = hr::data::decode_image(e.path().string());
      CHECK(img.width == 64);
      CHECK(img.height == 96);
    }
  }

  SECTION("inspect of the val set without augmentation") {
    const fs::path pics = tmp.path / "inspect_val";
    REQUIRE(hrnet_data("inspect --cfg " + kDemoCfg + " --set val --n 2 --out " + pics.string() +
                           data,
                       tmp.path, &out) == 0);
    CHECK(out.find("rot 0.0") != std::string::npos);
    CHECK(out.find("flipped") == std::string::npos);
  }

  SECTION("bench reports images per second through the loader's path") {
    REQUIRE(hrnet_data("bench --cfg " + kDemoCfg + " --seconds 0.2 --workers 2" + data, tmp.path,
                       &out, &err) == 0);
    std::smatch m;
    REQUIRE(std::regex_search(out, m, std::regex(R"(one core: (\d+) samples, ([0-9.]+) images/s)")));
    CHECK(std::stod(m[2].str()) > 0);
    CHECK(std::regex_search(out, std::regex(R"(loader \(training, shuffled\): 2 workers)")));
    CHECK(std::regex_search(out, std::regex(R"(loader \(evaluation order)")));
  }

  SECTION("bad inputs exit non-zero and say why") {
    CHECK(hrnet_data("inspect --cfg " + (tmp.path / "missing.yaml").string() + " --out x",
                     tmp.path, &out, &err) != 0);
    CHECK(err.find("missing.yaml") != std::string::npos);
    CHECK(hrnet_data("bench --cfg " + kDemoCfg + " DATASET.ROOT " + (tmp.path / "nowhere").string(),
                     tmp.path, &out, &err) != 0);
    CHECK(err.find("nowhere") != std::string::npos);
    CHECK(hrnet_data("inspect --cfg " + kDemoCfg + " --set test --out x" + data, tmp.path) != 0);
    // A corrupt image: the error names the file.
    const fs::path bad = root / "images" / "train2017";
    for (const auto& e : fs::directory_iterator(bad)) {
      std::ofstream(e.path(), std::ios::binary | std::ios::trunc) << "not an image";
    }
    CHECK(hrnet_data("inspect --cfg " + kDemoCfg + " --set train --n 2 --out " +
                         (tmp.path / "bad").string() + data,
                     tmp.path, &out, &err) != 0);
    CHECK(err.find("train2017") != std::string::npos);
  }
}
