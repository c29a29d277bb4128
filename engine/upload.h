// Moving a batch to its device while the previous step computes (issue 7: "host-device copies
// overlap with compute where the loader allows").
//
//   Upload next = Upload::start({input, target, weight}, device);  // batch t+1, before step t
//   ... enqueue step t ...
//   std::vector<Tensor> dev = next.take();                         // at step t+1
//
// On CUDA, start() enqueues the copies on the copy stream (engine/cuda/cuda_memory.h) after
// a mark of the compute stream: the destination blocks come from the caching allocator, which
// orders reuse on the compute stream only, so a block freed by work still queued there must
// not be written before that work has run. The copies then run beside whatever the compute
// stream is given next (step t's kernels). take() makes the compute stream wait for them
// (the host does not wait). On the CPU both are free: take() returns the host tensors.
#pragma once
#include <memory>
#include <vector>

#include "engine/tensor.h"

namespace hr {

class Upload {
 public:
  Upload() = default;
  Upload(Upload&& o) noexcept = default;
  Upload& operator=(Upload&& o) noexcept;
  Upload(const Upload&) = delete;
  Upload& operator=(const Upload&) = delete;
  // An upload dropped without take() (an interrupted epoch) still orders the compute stream
  // after its copies, so its blocks are not reused under a copy in flight.
  ~Upload();
  // host: CPU tensors (pinned ones copy asynchronously; pageable ones are staged at once).
  static Upload start(const std::vector<Tensor>& host, Device device);
  // The tensors on the device, usable by work enqueued on the compute stream from now on.
  // Once per upload.
  std::vector<Tensor> take();
  bool pending() const { return !tensors_.empty(); }

 private:
  void settle() noexcept;
  std::vector<Tensor> tensors_;
  std::shared_ptr<void> copied_;  // CUDA: the copy stream's mark after the last copy
};

}  // namespace hr
