// One sample of the official JointsDataset.__getitem__ (lib/dataset/JointsDataset.py) for one
// PoseRecord: decode, training augmentation (half-body, scale, rotation, flip) in the official
// order, the affine crop fused with ImageNet normalisation, the joints mapped into the crop,
// and the Gaussian heatmap targets. Outputs go into caller-provided buffers in the engine's
// NHWC layout: input [H][W][3], target [H_hm][W_hm][J], target_weight [J].
//
// Plain options only: hrnet_datasets does not depend on the config library; the apps map a
// Config onto SampleOptions.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "datasets/image/image.h"
#include "datasets/image/transforms.h"
#include "datasets/record.h"
#include "engine/random.h"

namespace hr::data {

struct SampleOptions {
  std::array<int, 2> image_size{192, 256};  // network input (W, H)     MODEL.IMAGE_SIZE
  std::array<int, 2> heatmap_size{48, 64};  // target heatmap (W, H)    MODEL.HEATMAP_SIZE
  double sigma = 2.0;                       // MODEL.SIGMA (3 * sigma must be an integer)
  bool train = false;                       // augment (the official is_train)
  bool flip = true;                         // DATASET.FLIP
  double scale_factor = 0.25;               // DATASET.SCALE_FACTOR
  double rot_factor = 30.0;                 // DATASET.ROT_FACTOR (degrees)
  double prob_half_body = 0.0;              // DATASET.PROB_HALF_BODY (< 0: off)
  int num_joints_half_body = 8;             // DATASET.NUM_JOINTS_HALF_BODY
  bool color_rgb = true;                    // DATASET.COLOR_RGB; false feeds BGR as the official
  std::vector<float> joints_weight;         // LOSS.USE_DIFFERENT_JOINTS_WEIGHT: J weights, or empty
  JointSet joint_set = coco_joints();       // flip pairs and half-body groups

  int num_joints() const { return joint_set.num_joints; }
  double aspect_ratio() const { return double(image_size[0]) / image_size[1]; }
  size_t input_floats() const { return size_t(image_size[0]) * image_size[1] * 3; }
  size_t target_floats() const { return size_t(heatmap_size[0]) * heatmap_size[1] * num_joints(); }
  // Throws hr::Error naming the first bad field (sizes, sigma, factors, joints_weight size).
  void validate() const;
};

// The official `meta` of one sample (plus what the augmentation chose).
struct SampleMeta {
  std::string image;  // image path
  int64_t image_id = 0;
  int64_t index = -1;              // dataset index of the record (set by the loader)
  std::array<double, 2> center{};  // after half-body and flip
  std::array<double, 2> scale{};   // after half-body and the scale draw
  double rotation = 0.0;           // degrees
  double score = 1.0;
  bool flipped = false;
  Joints joints;      // J x (x, y, 0) in input-crop pixels (visible ones mapped)
  Joints joints_vis;  // J x (v, v, 0) after flip
};

// Where a sample is written; the caller owns the memory.
struct SampleBuffers {
  float* input = nullptr;          // input_floats()
  float* target = nullptr;         // target_floats()
  float* target_weight = nullptr;  // num_joints()
};

struct Sample {
  float* input = nullptr;
  float* target = nullptr;
  float* target_weight = nullptr;
  SampleMeta meta;
};

// Decodes rec.image (hr::data::decode_image) and builds the sample. With opt.train the random
// draws come from `rng` in the official order:
//   1. half-body: uniform < prob_half_body, only when visible joints > num_joints_half_body,
//      then N(0,1) for the upper/lower choice;
//   2. scale: N(0,1); rotation: uniform, then N(0,1) only when the uniform <= 0.6;
//   3. flip (opt.flip): uniform <= 0.5 -> the whole image is mirrored before the crop, joints
//      flipped (flip_joints), center x -> width - x - 1.
// Without opt.train nothing is drawn and rng may be null. Errors (missing or corrupt image,
// joint count mismatch) throw hr::Error naming the image file.
Sample make_sample(const PoseRecord& rec, const SampleOptions& opt, Rng* rng,
                   const SampleBuffers& out);
// The same on an already decoded RGB image (taken by value: the flip mirrors it in place).
Sample make_sample(const PoseRecord& rec, Image image, const SampleOptions& opt, Rng* rng,
                   const SampleBuffers& out);

// Official differences that are deliberately not reproduced:
//  - the official writes into its `db` entry in place (c and joints are references to
//    db_rec['center'] and db_rec['joints_3d']: the flip moves the centre, the affine moves
//    unflipped joints); with DataLoader workers those copies die with the worker process at
//    the end of each epoch, so training never sees it; here records are never modified.
//  - the official draws from two generators (numpy and Python's random); here one Rng.

}  // namespace hr::data
