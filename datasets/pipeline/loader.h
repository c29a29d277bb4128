// A threaded batch loader over PoseRecords (the official torch DataLoader over JointsDataset):
// worker threads build samples (make_sample) straight into the batch tensors, a bounded number
// of batches ahead of the consumer, and batches come out in order.
//
// Determinism: the order of an epoch is a permutation drawn from Rng(mix(seed, epoch)) (or
// 0..n-1 without shuffle), and the augmentation Rng of dataset index i in epoch e is
// Rng(sample_seed(seed, e, i)). Nothing depends on which worker builds what, so batches are
// bit-identical for any number of workers.
//
// Bad data: a sample whose image cannot be decoded (or whose record is invalid) makes next()
// throw hr::Error naming the dataset index and the file, at the batch that holds it (the
// batch is consumed; the following next() goes on with the next batch). With skip_bad the
// sample is replaced instead, deterministically, by the first sample that loads among the
// following positions of the epoch order (position p -> p+1, p+2, ..., wrapping around),
// built exactly as that sample would be (its own augmentation seed); skipped() counts the
// replaced slots. If nothing in the dataset loads, that is an error even with skip_bad.
#pragma once
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "datasets/pipeline/sample.h"
#include "datasets/record.h"
#include "engine/tensor.h"

namespace hr::data {

struct LoaderOptions {
  int batch_size = 32;     // TRAIN/TEST.BATCH_SIZE_PER_GPU x GPUs
  bool shuffle = false;    // TRAIN.SHUFFLE for training, false for evaluation
  bool drop_last = false;  // drop a last incomplete batch
  int num_workers = 0;     // worker threads; 0: std::thread::hardware_concurrency()
  int prefetch = 0;        // batches in flight ahead of the consumer (>= 1);
                           // 0: max(2, ceil(2 x num_workers / batch_size))
  uint64_t seed = 0;
  bool skip_bad = false;  // replace samples that fail to load (see above)
  // Each worker keeps its last decoded image and reuses it when its next sample names the
  // same file (records of one image are consecutive in the dataset order: without shuffle,
  // e.g. evaluation with ~20 detection boxes per COCO image, most decodes are saved). Only
  // without shuffle: a shuffled order rarely repeats a file, and then each sample decodes
  // just the region its crop reads (datasets/image/jpeg_region.h). The output is the same
  // either way.
  bool reuse_last_image = true;
  // Batches in page-locked host memory when a CUDA device is present (ignored otherwise).
  bool pin_memory = true;
};

struct Batch {
  int64_t index = 0;             // batch number in the epoch
  Tensor input;                  // f32 [B, H, W, 3] (ImageNet-normalised, NHWC)
  Tensor target;                 // f32 [B, H_hm, W_hm, J]
  Tensor target_weight;          // f32 [B, J]
  std::vector<SampleMeta> meta;  // B entries; meta[k].index is the dataset index used
  int64_t skipped = 0;           // samples of this batch that replaced a bad one
  int64_t size() const { return static_cast<int64_t>(meta.size()); }
};

// The seed of the augmentation Rng of dataset index `index` in epoch `epoch`.
uint64_t sample_seed(uint64_t seed, int64_t epoch, int64_t index);
// The order of an epoch: a permutation of 0..n-1 (shuffle) or the identity.
std::vector<int64_t> epoch_order(int64_t n, uint64_t seed, int64_t epoch, bool shuffle);

class DataLoader {
 public:
  DataLoader(std::vector<PoseRecord> records, SampleOptions sample, LoaderOptions options);
  ~DataLoader();  // stops and joins the workers (a sample in progress completes first)
  DataLoader(const DataLoader&) = delete;
  DataLoader& operator=(const DataLoader&) = delete;

  int64_t dataset_size() const { return static_cast<int64_t>(records_.size()); }
  int64_t num_batches() const;  // per epoch (drop_last honoured)
  int num_workers() const { return static_cast<int>(workers_.size()); }
  const SampleOptions& sample_options() const { return sample_; }
  const LoaderOptions& options() const { return opt_; }
  const std::vector<PoseRecord>& records() const { return records_; }

  // Begins epoch `epoch` (drops what is left of the current one) and starts building batches.
  void start_epoch(int64_t epoch);
  // The next batch of the epoch in order, or nullopt when the epoch is over (or none started).
  // Rethrows a sample's error (see above).
  std::optional<Batch> next();
  // Samples replaced under skip_bad since construction.
  int64_t skipped() const;

 private:
  struct Slot;
  struct DecodeCache;
  void worker_loop();
  void build(int64_t pos, Slot& slot, int64_t row, int64_t epoch, DecodeCache& cache);
  void drain_locked(std::unique_lock<std::mutex>& lock);

  std::vector<PoseRecord> records_;
  SampleOptions sample_;
  LoaderOptions opt_;

  mutable std::mutex mu_;
  std::condition_variable work_cv_, done_cv_;
  bool stop_ = false;
  bool active_ = false;
  int64_t epoch_ = 0;
  std::vector<int64_t> order_;
  int64_t total_ = 0;  // samples in the epoch's batches
  int64_t nbatches_ = 0;
  int64_t next_pos_ = 0;   // next position of the epoch order to hand to a worker
  int64_t consumed_ = 0;   // batches handed to the consumer
  int64_t in_flight_ = 0;  // samples being built
  int64_t skipped_total_ = 0;
  std::vector<std::unique_ptr<Slot>> ring_;  // batch b lives in ring_[b % prefetch]
  std::vector<std::thread> workers_;
};

}  // namespace hr::data
