// The official config -> the datasets pipeline's plain options (hrnet_datasets does not link
// the config library, so the mapping lives with the app).
#pragma once
#include <algorithm>
#include <string>
#include <vector>

#include "datasets/annotations/coco.h"
#include "datasets/annotations/mpii.h"
#include "datasets/image/targets.h"
#include "datasets/pipeline/loader.h"
#include "datasets/pipeline/sample.h"
#include "engine/error.h"
#include "hrnet/config/config.h"

namespace hr::app {

inline bool is_mpii(const cfg::Config& c) { return c.dataset.dataset == "mpii"; }

// MODEL.IMAGE_SIZE / HEATMAP_SIZE / SIGMA, DATASET.FLIP / SCALE_FACTOR / ROT_FACTOR /
// PROB_HALF_BODY / NUM_JOINTS_HALF_BODY / COLOR_RGB, LOSS.USE_DIFFERENT_JOINTS_WEIGHT.
inline data::SampleOptions sample_options(const cfg::Config& c, bool train) {
  data::SampleOptions o;
  o.image_size = {c.model.image_size.width, c.model.image_size.height};
  o.heatmap_size = {c.model.heatmap_size.width, c.model.heatmap_size.height};
  o.sigma = c.model.sigma;
  o.train = train;
  o.flip = c.dataset.flip;
  o.scale_factor = c.dataset.scale_factor;
  o.rot_factor = c.dataset.rot_factor;
  o.prob_half_body = c.dataset.prob_half_body;
  o.num_joints_half_body = c.dataset.num_joints_half_body;
  o.color_rgb = c.dataset.color_rgb;
  o.joint_set = is_mpii(c) ? data::mpii_joints() : data::coco_joints();
  HR_CHECK(c.model.num_joints == o.joint_set.num_joints,
           "MODEL.NUM_JOINTS {} does not match DATASET.DATASET {} ({} joints)", c.model.num_joints,
           c.dataset.dataset, o.joint_set.num_joints);
  // The official MPII has no joints_weight (a scalar 1).
  if (c.loss.use_different_joints_weight && !is_mpii(c))
    o.joints_weight = data::coco_joints_weight();
  o.validate();
  return o;
}

// TRAIN.BATCH_SIZE_PER_GPU x len(GPUS) and TRAIN.SHUFFLE for training (drop_last false as the
// official), TEST.BATCH_SIZE_PER_GPU x len(GPUS) without shuffle for evaluation; WORKERS.
inline data::LoaderOptions loader_options(const cfg::Config& c, bool train) {
  data::LoaderOptions o;
  const int gpus = std::max<int>(1, static_cast<int>(c.gpus.size()));
  o.batch_size = (train ? c.train.batch_size_per_gpu : c.test.batch_size_per_gpu) * gpus;
  o.shuffle = train && c.train.shuffle;
  o.num_workers = c.workers;
  return o;
}

// The records of DATASET.TRAIN_SET (train) or DATASET.TEST_SET: COCO GT boxes, or for the
// test set with TEST.USE_GT_BBOX false the person detections of TEST.COCO_BBOX_FILE (score >=
// TEST.IMAGE_THRE) unless `detections` is false; MPII from annot/<set>.json. DATASET.ROOT as
// given (relative to the cwd).
inline std::vector<data::PoseRecord> load_records(const cfg::Config& c, bool train,
                                                  bool detections = true) {
  const std::string& set = train ? c.dataset.train_set : c.dataset.test_set;
  if (is_mpii(c)) return data::load_mpii(c.dataset.root, set);
  HR_CHECK(c.dataset.dataset == "coco", "DATASET.DATASET {}: only coco and mpii are supported",
           c.dataset.dataset);
  const data::ImageSize size{c.model.image_size.width, c.model.image_size.height};
  auto gt = data::load_coco_gt(c.dataset.root, set, size);
  if (train || !detections || c.test.use_gt_bbox || c.test.coco_bbox_file.empty())
    return std::move(gt.db);
  return data::load_coco_detections(c.test.coco_bbox_file, gt.images, c.test.image_thre, size);
}

}  // namespace hr::app
