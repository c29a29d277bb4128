// Synthetic people: a renderer of people-like figures with the 17 COCO keypoints and a writer
// of a dataset in the COCO layout (images, person_keypoints json, detections file).
//
// The figures are a small 3D stick model (pelvis-rooted, joint angles in human-like ranges,
// a body yaw that gives front, side and back views, a forward lean, a head turn) projected with
// a slight perspective, then drawn as anti-aliased tapered capsules (limbs), a rounded torso
// hull and a head disc with distinct marks for the eyes, nose and ears. Left and right follow
// the geometry: a front view puts the person's left joints on the image right, a back view on
// the image left, so horizontal flip + flip_pairs is a consistent augmentation.
//
// Labels follow COCO: v = 2 visible, v = 1 hidden behind another person or a foreground
// occluder (still labelled), v = 0 not labelled (outside the image, or a face point on the far
// side of the head) with x = y = 0. Keypoint coordinates are 0-based pixels (pixel i's centre
// is at i), the convention of the official code.
//
// Everything is deterministic: an image depends only on (seed, index) and the options, so a
// dataset is byte-identical for the same seed whatever the thread count.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace hr::data::synth {

inline constexpr int kNumJoints = 17;

// Interleaved 8-bit RGB, row-major, no padding.
struct RgbImage {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> pixels;  // width * height * 3
};

struct Keypoint {
  double x = 0.0;
  double y = 0.0;
  int v = 0;  // 0 not labelled, 1 labelled but hidden, 2 visible
};

struct PersonLabel {
  std::array<Keypoint, kNumJoints> keypoints{};
  std::array<double, 4> bbox{};  // x, y, w, h: the visible pixels plus the labelled keypoints
  double area = 0.0;             // visible pixel count (the "segmentation" area OKS uses)
  int num_keypoints = 0;         // keypoints with v > 0
  bool back_view = false;        // the figure turns its back to the camera
};

struct Scene {
  RgbImage image;
  std::vector<PersonLabel> people;  // in drawing order (later ones occlude earlier ones)
};

struct RenderOptions {
  int min_size = 256;   // image width drawn uniformly in [min_size, max_size]
  int max_size = 480;   // height = width * U(0.65, 1.0), at least 64
  int max_people = 4;   // 1..max_people figures per image
  double back_view_prob = 0.15;
  double occluder_prob = 0.25;  // chance of foreground occluder objects in an image
  // Background distractors (blobs, boxes, limb-like sticks) per image, uniform in [min, max].
  int min_clutter = 3;
  int max_clutter = 12;
};

// Named settings of the renderer, for `hrnet-data synth --preset NAME` and the benchmarks:
//   "standard": the defaults above (1-4 people, occluders, back views, 3-12 distractors);
//   "demo": the main job's data (scripts/demo.sh, `hrnet-bench convergence`): one person per
//           image, no back views and no foreground occluders, 0-3 distractors. Poses, clothing,
//           textures, backgrounds and sizes vary as in "standard": what is left out are the
//           ambiguities that a tiny network cannot resolve in a few minutes of CPU training.
// Throws hr::Error naming the preset otherwise.
RenderOptions render_preset(const std::string& name);

// The seed of image `index` of a dataset with seed `seed` (splitmix64 of both).
uint64_t image_seed(uint64_t seed, int64_t index);

// Renders one image with its labels. People with no labelled keypoint or almost no visible
// pixels are drawn but not labelled.
Scene render_scene(uint64_t seed, int64_t index, const RenderOptions& opt = {});

struct DatasetOptions {
  int64_t num_images = 100;
  uint64_t seed = 0;
  double val_fraction = 0.1;  // the last round(N * f) images (at least 1 when f > 0) are val
  RenderOptions render;
};

struct DatasetSummary {
  int64_t train_images = 0, val_images = 0;
  int64_t train_people = 0, val_people = 0;
  int64_t detections = 0;
};

// Writes into `dir` (which must not exist, or be an empty directory):
//   annotations/person_keypoints_{train,val}2017.json
//   images/{train,val}2017/<12-digit image id>.png           (image ids are 1..N)
//   person_detection_results/COCO_val2017_detections_AP_H_56_person.json
// Everything is written into a sibling temporary directory that is renamed to `dir` at the
// end, so an interrupted run leaves no half dataset. Images are rendered on the thread pool.
DatasetSummary write_dataset(const std::string& dir, const DatasetOptions& opt);

// The official relative paths inside a dataset directory.
std::string keypoints_json_path(bool val);  // "annotations/person_keypoints_val2017.json"
std::string image_path(bool val, int64_t image_id);  // "images/val2017/000000000001.png"
inline constexpr const char* kDetectionsPath =
    "person_detection_results/COCO_val2017_detections_AP_H_56_person.json";

// PNG (8-bit RGB, non-interlaced) with zlib: the writer's image format.
std::vector<uint8_t> encode_png(const RgbImage& img, int zlib_level = 1);
// Decodes 8-bit RGB non-interlaced PNGs (any filter types); throws hr::Error otherwise.
RgbImage decode_png(const std::vector<uint8_t>& bytes);
// Width and height from the IHDR chunk, without decoding.
std::array<int, 2> png_size(const std::vector<uint8_t>& bytes);

}  // namespace hr::data::synth
