// The shared real-data fixtures are where tests of later layers (datasets, evaluation) will
// look for them. This test fails loudly if HRNET_TEST_DATA points nowhere useful.
#include <catch2/catch.hpp>

#include <filesystem>

#include "support/test_data.h"

namespace fs = std::filesystem;

TEST_CASE("HRNET_TEST_DATA holds the COCO and MPII fixtures", "[data]") {
  const fs::path root = hr::test::test_data_dir();
  INFO("test data directory: " << root);
  REQUIRE(fs::is_directory(root));
  CHECK(fs::is_regular_file(root / "coco-mini/annotations/person_keypoints_val2017.json"));
  CHECK(fs::is_directory(root / "coco-mini/images/val2017"));
  CHECK(fs::is_regular_file(root / "mpii-mini/annot/valid.json"));
}
