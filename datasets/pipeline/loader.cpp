#include "datasets/pipeline/loader.h"

#include <algorithm>
#include <utility>

#include "engine/error.h"
#include "engine/random.h"

namespace hr::data {
namespace {

uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

constexpr uint64_t kOrderTag = 0x6F72646572ull;     // "order"
constexpr uint64_t kSampleTag = 0x73616D706C65ull;  // "sample"

}  // namespace

uint64_t sample_seed(uint64_t seed, int64_t epoch, int64_t index) {
  uint64_t h = splitmix64(seed ^ kSampleTag);
  h = splitmix64(h ^ static_cast<uint64_t>(epoch));
  return splitmix64(h ^ static_cast<uint64_t>(index));
}

std::vector<int64_t> epoch_order(int64_t n, uint64_t seed, int64_t epoch, bool shuffle) {
  std::vector<int64_t> order(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) order[i] = i;
  if (shuffle && n > 1) {
    Rng rng(splitmix64(splitmix64(seed ^ kOrderTag) ^ static_cast<uint64_t>(epoch)));
    for (int64_t i = n - 1; i > 0; --i) std::swap(order[i], order[rng.randint(i + 1)]);
  }
  return order;
}

// One batch being built.
struct DataLoader::Slot {
  int64_t batch = -1;     // batch number held, -1 when free
  int64_t remaining = 0;  // samples still to build
  Batch out;
  int64_t error_row = -1;  // the first row (in row order) that failed
  std::exception_ptr error;
};

// A worker's last decoded image.
struct DataLoader::DecodeCache {
  std::string path;
  Image image;
  bool valid = false;
};

DataLoader::DataLoader(std::vector<PoseRecord> records, SampleOptions sample, LoaderOptions options)
    : records_(std::move(records)), sample_(std::move(sample)), opt_(options) {
  sample_.validate();
  HR_CHECK(opt_.batch_size > 0, "data loader: batch_size {} must be positive", opt_.batch_size);
  HR_CHECK(opt_.num_workers >= 0, "data loader: num_workers {} must be >= 0", opt_.num_workers);
  HR_CHECK(opt_.prefetch >= 0, "data loader: prefetch {} must be >= 0", opt_.prefetch);
  if (opt_.num_workers == 0)
    opt_.num_workers = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  if (opt_.prefetch == 0)
    opt_.prefetch = std::max(2, (2 * opt_.num_workers + opt_.batch_size - 1) / opt_.batch_size);
  for (int i = 0; i < opt_.prefetch; ++i) ring_.push_back(std::make_unique<Slot>());
  workers_.reserve(opt_.num_workers);
  try {
    for (int i = 0; i < opt_.num_workers; ++i) workers_.emplace_back([this] { worker_loop(); });
  } catch (...) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    work_cv_.notify_all();
    for (auto& t : workers_) t.join();
    throw;
  }
}

DataLoader::~DataLoader() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  work_cv_.notify_all();
  for (auto& t : workers_) t.join();
}

int64_t DataLoader::num_batches() const {
  const int64_t n = dataset_size(), b = opt_.batch_size;
  return opt_.drop_last ? n / b : (n + b - 1) / b;
}

int64_t DataLoader::skipped() const {
  std::lock_guard<std::mutex> lock(mu_);
  return skipped_total_;
}

void DataLoader::drain_locked(std::unique_lock<std::mutex>& lock) {
  // Stop handing out work and wait for the samples being built (they write into ring slots).
  active_ = false;
  done_cv_.wait(lock, [&] { return in_flight_ == 0; });
  for (auto& s : ring_) *s = Slot{};
}

void DataLoader::start_epoch(int64_t epoch) {
  std::vector<int64_t> order = epoch_order(dataset_size(), opt_.seed, epoch, opt_.shuffle);
  {
    std::unique_lock<std::mutex> lock(mu_);
    drain_locked(lock);
    epoch_ = epoch;
    order_ = std::move(order);
    nbatches_ = num_batches();
    total_ = std::min<int64_t>(dataset_size(), nbatches_ * opt_.batch_size);
    next_pos_ = 0;
    consumed_ = 0;
    active_ = true;
  }
  work_cv_.notify_all();
}

void DataLoader::worker_loop() {
  DecodeCache cache;
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    work_cv_.wait(lock, [&] {
      return stop_ || (active_ && next_pos_ < total_ &&
                       next_pos_ / opt_.batch_size < consumed_ + opt_.prefetch);
    });
    if (stop_) return;
    const int64_t pos = next_pos_++;
    const int64_t b = pos / opt_.batch_size, row = pos % opt_.batch_size;
    Slot& slot = *ring_[b % opt_.prefetch];
    if (row == 0) {  // the first sample of batch b allocates it (b - prefetch is consumed)
      const int64_t rows = std::min<int64_t>(opt_.batch_size, total_ - b * opt_.batch_size);
      const auto& so = sample_;
      slot = Slot{};
      slot.batch = b;
      slot.remaining = rows;
      slot.out.index = b;
      try {
        // Pinned when a GPU is present (LoaderOptions::pin_memory): the batch goes there next.
        auto alloc = [this](const Shape& s) {
          return opt_.pin_memory ? Tensor::empty_pinned(s) : Tensor::empty(s);
        };
        slot.out.input = alloc({rows, so.image_size[1], so.image_size[0], 3});
        slot.out.target =
            alloc({rows, so.heatmap_size[1], so.heatmap_size[0], so.num_joints()});
        slot.out.target_weight = alloc({rows, so.num_joints()});
      } catch (...) {
        // Out of memory: deliver it at this batch; rows still count down through build().
        slot.error = std::current_exception();
        slot.error_row = 0;
      }
      slot.out.meta.resize(static_cast<size_t>(rows));
    }
    const int64_t epoch = epoch_;
    ++in_flight_;
    lock.unlock();
    build(pos, slot, row, epoch, cache);
    lock.lock();
    --in_flight_;
    if (--slot.remaining == 0 || in_flight_ == 0) done_cv_.notify_all();
  }
}

// Builds the sample at epoch position `pos` into row `row` of the slot. Runs unlocked; only
// the row's memory and meta entry are written, and the slot's error fields under the lock.
void DataLoader::build(int64_t pos, Slot& slot, int64_t row, int64_t epoch, DecodeCache& cache) {
  const int64_t n = dataset_size();
  if (!slot.out.input.defined()) return;  // allocation failed; the error is already recorded
  SampleBuffers buf;
  buf.input = slot.out.input.data<float>() + row * static_cast<int64_t>(sample_.input_floats());
  buf.target = slot.out.target.data<float>() + row * static_cast<int64_t>(sample_.target_floats());
  buf.target_weight = slot.out.target_weight.data<float>() + row * sample_.num_joints();
  std::exception_ptr first_error;
  const int64_t attempts = opt_.skip_bad ? n : 1;
  for (int64_t k = 0; k < attempts; ++k) {
    const int64_t index = order_[(pos + k) % n];
    const PoseRecord& rec = records_[index];
    try {
      Rng rng(sample_seed(opt_.seed, epoch, index));
      Rng* r = sample_.train ? &rng : nullptr;
      Sample s;
      // Shuffled (training) order rarely repeats a file: decode just the crop's region.
      if (opt_.reuse_last_image && !opt_.shuffle) {
        if (!cache.valid || cache.path != rec.image) {
          cache.valid = false;
          cache.image = decode_image(rec.image);
          cache.path = rec.image;
          cache.valid = true;
        }
        s = make_sample(rec, cache.image, sample_, r, buf);  // a copy: the flip mirrors it
      } else {
        s = make_sample(rec, sample_, r, buf);
      }
      s.meta.index = index;
      slot.out.meta[row] = std::move(s.meta);
      if (k > 0) {
        std::lock_guard<std::mutex> lock(mu_);
        ++slot.out.skipped;
        ++skipped_total_;
      }
      return;
    } catch (const std::exception& e) {
      if (!first_error) {
        try {
          fail("data loader: sample {} (dataset index {}, {}): {}", pos, index, rec.image,
               e.what());
        } catch (...) {
          first_error = std::current_exception();
        }
      }
    }
  }
  if (opt_.skip_bad) {
    try {
      fail("data loader: no sample of the {} in the dataset loads (skip_bad); first error: {}", n,
           [&] {
             try {
               std::rethrow_exception(first_error);
             } catch (const std::exception& e) {
               return std::string(e.what());
             }
           }());
    } catch (...) {
      first_error = std::current_exception();
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (slot.error_row < 0 || row < slot.error_row) {
    slot.error_row = row;
    slot.error = first_error;
  }
}

std::optional<Batch> DataLoader::next() {
  std::unique_lock<std::mutex> lock(mu_);
  if (!active_ || consumed_ >= nbatches_) return std::nullopt;
  const int64_t b = consumed_;
  Slot& slot = *ring_[b % opt_.prefetch];
  done_cv_.wait(lock, [&] { return slot.batch == b && slot.remaining == 0; });
  Batch out = std::move(slot.out);
  std::exception_ptr error = slot.error;
  slot = Slot{};
  ++consumed_;
  lock.unlock();
  work_cv_.notify_all();
  if (error) std::rethrow_exception(error);
  return out;
}

}  // namespace hr::data
