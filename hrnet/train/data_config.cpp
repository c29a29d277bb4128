#include "hrnet/train/data_config.h"

#include <algorithm>

#include "datasets/annotations/coco.h"
#include "datasets/annotations/mpii.h"
#include "datasets/image/targets.h"
#include "engine/error.h"

namespace hr::train {

bool is_mpii(const cfg::Config& c) { return c.dataset.dataset == "mpii"; }

data::SampleOptions sample_options(const cfg::Config& c, bool train) {
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
  // The official MPII dataset has no joints_weight (a scalar 1).
  if (c.loss.use_different_joints_weight && !is_mpii(c)) o.joints_weight = data::coco_joints_weight();
  o.validate();
  return o;
}

data::LoaderOptions loader_options(const cfg::Config& c, bool train, uint64_t seed) {
  data::LoaderOptions o;
  // The official loaders batch BATCH_SIZE_PER_GPU x len(GPUS) samples on one process.
  const int gpus = std::max<int>(1, static_cast<int>(c.gpus.size()));
  o.batch_size = (train ? c.train.batch_size_per_gpu : c.test.batch_size_per_gpu) * gpus;
  o.shuffle = train && c.train.shuffle;
  o.num_workers = c.workers;
  o.seed = seed;
  return o;
}

std::vector<data::PoseRecord> load_records(const cfg::Config& c, bool train, bool detections) {
  const std::string& set = train ? c.dataset.train_set : c.dataset.test_set;
  if (is_mpii(c)) return data::load_mpii(c.dataset.root, set);
  HR_CHECK(c.dataset.dataset == "coco", "DATASET.DATASET {}: only coco and mpii are supported",
           c.dataset.dataset);
  const data::ImageSize size{c.model.image_size.width, c.model.image_size.height};
  auto gt = data::load_coco_gt(c.dataset.root, set, size);
  if (train || !detections || c.test.use_gt_bbox || c.test.coco_bbox_file.empty()) return std::move(gt.db);
  return data::load_coco_detections(c.test.coco_bbox_file, gt.images, c.test.image_thre, size);
}

}  // namespace hr::train
