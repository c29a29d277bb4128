// The official COCO keypoint results file (COCODataset._write_coco_keypoint_results): a JSON
// list with one object per kept instance,
//   {"category_id": 1, "center": [cx, cy], "image_id": id,
//    "keypoints": [x0, y0, s0, ..., x16, y16, s16], "scale": [sw, sh], "score": rescored}
// keys sorted and indented by 4 as json_tricks.dump(sort_keys=True, indent=4) writes them;
// pycocotools' loadRes reads it.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "datasets/eval/postprocess/nms.h"

namespace hr::data::post {

// The official image id of an image path: int(path[-16:-4]), the 12 digits before a 4-char
// extension ("val2017/000000397133.jpg" -> 397133; "COCO_val2014_000000000042.jpg" -> 42).
// Leading/trailing blanks and a sign are accepted, as Python's int() does; anything else is an
// hr::Error naming the path. (The eval pipeline can also take PoseRecord::image_id.)
int64_t image_id_from_path(std::string_view path);

// The file's text. Every number must be finite (JSON has no NaN; the official json_tricks
// would write a bare NaN, which Python's json reads but which poisons OKS and the ranking): a
// non-finite value is an hr::Error naming the instance. Keypoint values are the float values widened to double, as the official writes
// its float32 predictions.
std::string coco_results_text(std::span<const PoseInstance> instances, int category_id = 1);

// coco_results_text written to `path` atomically (a temporary file beside it, then renamed),
// so a crash never leaves a truncated results file.
void write_coco_results(const std::string& path, std::span<const PoseInstance> instances,
                        int category_id = 1);

}  // namespace hr::data::post
