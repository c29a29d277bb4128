// Training checkpoints and weight files in safetensors.
//
// checkpoint.safetensors holds everything a run needs to continue bit for bit:
//  - the model's state_dict under its official keys in PyTorch layout (as export_state_dict
//    writes it, BN running statistics and num_batches_tracked included);
//  - the optimizer state under "optimizer.<kind>.<official parameter key>": Adam's exp_avg,
//    exp_avg_sq (PyTorch layout, like the weights) and step (i64 [1]); SGD's momentum_buffer.
//    A parameter that never had a gradient has no entries (PyTorch's lazy state);
//  - the trainer's random generator as "rng.state" (i64 [4], the xoshiro words bit-cast) and
//    "rng.spare" (f64 [1], the cached normal sample);
//  - the scalars in the header's __metadata__ (see TrainingState), doubles written with 17
//    significant digits so that they read back exactly.
// The official checkpoint.pth is a pickled dict (epoch, state_dict, best_state_dict, perf,
// optimizer); this is the same content in a format the engine reads without Python.
//
// model_best.safetensors and final_state.safetensors hold the state_dict only, so
// MODEL.PRETRAINED, TEST.MODEL_FILE and hrnet-infer --weights load them strictly.
// Every file is written atomically (engine/io: temporary name, fsync, rename).
#pragma once
#include <cstdint>
#include <map>
#include <string>

#include "engine/module.h"
#include "engine/optim.h"
#include "engine/random.h"

namespace hr::train {

struct TrainingState {
  int epoch = 0;            // the epoch to run next, or the one in progress when batch > 0
  int64_t batch = 0;        // batches of `epoch` already trained (0: at the epoch's start)
  int64_t global_step = 0;  // optimizer steps taken since the start of training
  int lr_last_epoch = 0;    // MultiStepLR::last_epoch() when saved
  uint64_t seed = 0;        // data order / augmentation seed of the run
  Rng::State rng{};         // the trainer's generator (model initialisation)
  bool has_best = false;
  double best_metric = 0.0;  // the validation hook's metric of model_best
  int best_epoch = -1;
  std::string metric_name;
  // Running sums of the epoch in progress (an interrupted epoch's log continues from them).
  double loss_sum = 0.0, loss_count = 0.0, acc_sum = 0.0, acc_count = 0.0;
  std::string history;  // the per-epoch records, a JSON array (the plots are redrawn from it)
};

// Writes `path` atomically. opt must be an Adam or SGD over net's parameters.
void save_checkpoint(const std::string& path, Module& net, Optimizer& opt, const TrainingState& state);

// Restores net (strictly: every key must match), the optimizer state and returns the
// trainer state. Throws hr::Error naming the file on a missing or mismatched entry, or when
// the file was written for another optimizer kind.
TrainingState load_checkpoint(const std::string& path, Module& net, Optimizer& opt);

// The state_dict alone (official keys, PyTorch layout), with `metadata` in the header.
void save_weights(const std::string& path, Module& net, const std::map<std::string, std::string>& metadata = {});

}  // namespace hr::train
