// The official training loop (tools/train.py + lib/core/function.py `train`) as a library:
//
//   network from the config (MODEL.INIT_WEIGHTS: N(0, 0.001) convs; MODEL.PRETRAINED copied
//   through PRETRAINED_LAYERS), TRAIN.OPTIMIZER adam (learning rate only, as officially) or
//   sgd (MOMENTUM, WD, NESTEROV), MultiStepLR(LR_STEP, LR_FACTOR) stepped at the START of each
//   epoch, epochs BEGIN_EPOCH..END_EPOCH-1, batches of BATCH_SIZE_PER_GPU x len(GPUS) with
//   TRAIN.SHUFFLE and WORKERS, the target-weighted MSE (LOSS.USE_TARGET_WEIGHT), the official
//   training accuracy in the log, a validation hook after every epoch, model_best kept by its
//   metric, checkpoint.safetensors after every epoch, final_state.safetensors at the end.
//
// Output folder: OUTPUT_DIR/<dataset>/<MODEL.NAME>/<cfg file name up to its first '.'>/ as the
// official create_logger builds it (hr::cfg::final_output_dir).
//
// Determinism: the data order and augmentation depend on (seed, epoch, index) only, the model
// initialisation on `seed`, and the CPU kernels on the thread count only; a resumed run
// therefore ends with exactly the weights of an uninterrupted one (same seed, same threads).
// A checkpoint written by an interrupt (the stop flag) records how many batches of the epoch
// were trained; resuming rebuilds and skips those batches.
//
// Differences from the official trainer, all deliberate:
//  - on resume the official MultiStepLR is rebuilt with last_epoch = the checkpoint's epoch
//    and then stepped again, so a resumed run trains one schedule step ahead of an
//    uninterrupted one; here the schedule continues where it stopped;
//  - the official checkpoint stores the LAST epoch's perf and resumes best_perf from it; here
//    the best metric itself is stored;
//  - a non-finite loss or gradient stops training (the official code trains on).
#pragma once
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>

#include "engine/dtype.h"
#include "hrnet/config/config.h"
#include "hrnet/pose_hrnet.h"
#include "hrnet/train/validation.h"

namespace hr::train {

enum class ProgressMode { Auto, Tty, Lines };

struct TrainOptions {
  cfg::Config cfg;
  std::filesystem::path cfg_file;    // its name up to the first '.' names the output folder
  std::filesystem::path output_dir;  // empty: cfg::final_output_dir(cfg, cfg_file)
  Device device = Device::CPU;
  uint64_t seed = 0;  // data order, augmentation, model initialisation (a resume keeps the checkpoint's)
  ValidationHook validate;  // empty: loss_accuracy_validation(cfg, device)
  // Raised (e.g. by SIGINT): the current step finishes, a checkpoint is written, and
  // train() returns with `interrupted`. Checked after every step and between epochs.
  const std::atomic<bool>* stop = nullptr;
  // Called after every backward pass, before the gradients are checked: tests inject
  // faults or raise the stop flag here. `step` is the 1-based global step.
  std::function<void(net::PoseHighResolutionNet&, int64_t step)> after_backward;
  ProgressMode progress = ProgressMode::Auto;
  std::FILE* out = stderr;  // progress and messages
};

struct TrainResult {
  std::filesystem::path output_dir;
  int next_epoch = 0;  // the epoch a resume would run next
  int64_t global_step = 0;
  bool interrupted = false;
  bool resumed = false;
  bool has_best = false;
  double best_metric = 0.0;
  std::string metric_name;
};

// Runs training; AUTO_RESUME continues from output_dir/checkpoint.safetensors when it exists.
// Throws hr::Error on bad settings, data errors, and a non-finite loss or gradient (the
// message names the step and the last good checkpoint).
TrainResult train(const TrainOptions& options);

// File names inside the output folder.
inline constexpr const char* kCheckpointFile = "checkpoint.safetensors";
inline constexpr const char* kBestFile = "model_best.safetensors";
inline constexpr const char* kFinalFile = "final_state.safetensors";

}  // namespace hr::train
