// The official config -> the datasets pipeline's plain options, shared by the trainer and the
// apps (hrnet_datasets does not know the config library; hrnet_train links both).
#pragma once
#include <vector>

#include "datasets/pipeline/loader.h"
#include "datasets/pipeline/sample.h"
#include "datasets/record.h"
#include "hrnet/config/config.h"

namespace hr::train {

bool is_mpii(const cfg::Config& c);

// MODEL.IMAGE_SIZE / HEATMAP_SIZE / SIGMA, DATASET.FLIP / SCALE_FACTOR / ROT_FACTOR /
// PROB_HALF_BODY / NUM_JOINTS_HALF_BODY / COLOR_RGB, LOSS.USE_DIFFERENT_JOINTS_WEIGHT.
// `train` turns the augmentation on (the official is_train).
data::SampleOptions sample_options(const cfg::Config& c, bool train);

// TRAIN.BATCH_SIZE_PER_GPU x len(GPUS) and TRAIN.SHUFFLE for training (drop_last false as
// officially), TEST.BATCH_SIZE_PER_GPU x len(GPUS) without shuffle otherwise; WORKERS; `seed`.
data::LoaderOptions loader_options(const cfg::Config& c, bool train, uint64_t seed = 0);

// The records of DATASET.TRAIN_SET (train) or DATASET.TEST_SET: COCO GT boxes, or for the test
// set with TEST.USE_GT_BBOX false the detections of TEST.COCO_BBOX_FILE unless `detections`
// is false; MPII from annot/<set>.json. DATASET.ROOT as given (relative to the cwd).
std::vector<data::PoseRecord> load_records(const cfg::Config& c, bool train, bool detections = true);

}  // namespace hr::train
