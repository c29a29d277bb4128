// Parse benchmark for the COCO keypoint reader: generates a synthetic
// person_keypoints-style file of about target_bytes in a temporary folder (COCO train2017
// proportions: ~2 KB per image, ~2.2 person annotations per image, polygons, some crowd and
// zero-keypoint people), times load_coco_keypoints on it and prints seconds, MB/s and the
// peak resident memory (VmHWM, reset before the parse where the kernel allows it).
#pragma once
#include <cstddef>

namespace hr::data {

struct CocoBenchResult {
  double file_mb = 0;
  double parse_s = 0;
  double mb_per_s = 0;
  double peak_rss_mb = 0;      // VmHWM after the parse
  bool peak_reset = false;     // VmHWM was reset just before the parse
  size_t images = 0, annotations = 0, records = 0;
};

CocoBenchResult bench_coco_parse(size_t target_bytes);

}  // namespace hr::data
