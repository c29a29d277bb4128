// COCO person keypoints: the official COCODataset `db` (lib/dataset/coco.py) for ground-truth
// boxes and for person-detector boxes, plus the image metadata evaluation needs later.
//
// Reading is streamed (SAX): segmentation polygons and other unused fields are never kept,
// so person_keypoints_train2017.json (~240 MB) loads in seconds with modest memory.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "datasets/record.h"

namespace hr::data {

struct CocoImage {
  int64_t id = 0;
  std::string file_name;  // as in the json ("000000000785.jpg")
  int width = 0;
  int height = 0;
  std::string path;       // <image_dir>/<file_name>
};

// Images in file order with an id -> position index.
struct CocoImageIndex {
  std::vector<CocoImage> list;
  std::unordered_map<int64_t, size_t> by_id;
  const CocoImage* find(int64_t id) const;  // nullptr when unknown
};

struct CocoCategory {
  int64_t id = 0;
  std::string name;
  std::string supercategory;
  std::vector<std::string> keypoints;         // keypoint names (17 for person)
  std::vector<std::array<int, 2>> skeleton;   // 1-based joint pairs, as in the file
};

struct CocoSet {
  std::string annotation_file;
  std::string image_dir;                 // <root>/images/<image_set>
  CocoImageIndex images;
  std::vector<CocoCategory> categories;
  std::vector<PoseRecord> db;            // kept GT people: images in file order, then annotations
                                         // of each image in file order (as pycocotools does)
  size_t num_annotations = 0;            // annotations read from the file
};

// Model input size (width, height); aspect ratio = width / height.
using ImageSize = std::array<int, 2>;

// The official _xywh2cs: centre of the box, box grown to the aspect ratio, divided by 200,
// times 1.25. Centre and scale are rounded to float32 as the official numpy code stores them.
void coco_box_to_center_scale(double x, double y, double w, double h, double aspect_ratio,
                              std::array<double, 2>& center, std::array<double, 2>& scale);

// <root>/annotations/person_keypoints_<image_set>.json, images under <root>/images/<image_set>.
CocoSet load_coco_gt(const std::string& root, const std::string& image_set, ImageSize image_size);

// Same from an explicit annotation file and image folder.
CocoSet load_coco_keypoints(const std::string& annotation_file, const std::string& image_dir,
                            ImageSize image_size);

// Person-detector boxes (COCO results json: list of {image_id, category_id, bbox, score}):
// category_id == 1 and score >= image_thre, raw box through the same centre/scale conversion
// (no cleaning), joints zero, joints_vis ones, score kept, area 0. Unknown image ids are errors.
std::vector<PoseRecord> load_coco_detections(const std::string& det_json,
                                             const CocoImageIndex& images, double image_thre,
                                             ImageSize image_size);

}  // namespace hr::data
