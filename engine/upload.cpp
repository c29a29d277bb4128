#include "engine/upload.h"

#include "engine/cuda/cuda_memory.h"
#include "engine/error.h"

namespace hr {

Upload Upload::start(const std::vector<Tensor>& host, Device device) {
  Upload u;
  HR_CHECK(!host.empty(), "Upload::start: nothing to upload");
  for (const Tensor& t : host) {
    check_defined(t, "Upload::start input");
    HR_CHECK(t.device() == Device::CPU, "Upload::start: inputs must be host tensors");
  }
  if (device == Device::CPU) {
    u.tensors_ = host;
    return u;
  }
  // After everything queued on the compute stream so far (see the header).
  cuda::wait_mark(cuda::StreamRole::Copy, cuda::record_mark(cuda::StreamRole::Compute));
  try {
    for (const Tensor& t : host) {
      Tensor d = Tensor::empty(t.shape(), t.dtype(), device);
      u.tensors_.push_back(d);  // before the copy: on failure its block is settled below too
      if (t.nbytes() > 0) cuda::copy_to_device_on_copy_stream(d.raw(), t.raw(), t.nbytes());
    }
  } catch (...) {
    // Copies already queued may still write their blocks: order the compute stream after
    // them (u's destructor) before the blocks go back to the cache.
    if (!u.tensors_.empty()) u.copied_ = cuda::record_mark(cuda::StreamRole::Copy);
    throw;
  }
  u.copied_ = cuda::record_mark(cuda::StreamRole::Copy);
  return u;
}

void Upload::settle() noexcept {
  if (!copied_) return;
  try {
    cuda::wait_mark(cuda::StreamRole::Compute, copied_);
  } catch (...) {
    // A failing CUDA call here means the context is broken; the next checked call reports it.
  }
  copied_.reset();
}

Upload::~Upload() { settle(); }

Upload& Upload::operator=(Upload&& o) noexcept {
  if (this != &o) {
    settle();
    tensors_ = std::move(o.tensors_);
    copied_ = std::move(o.copied_);
    o.tensors_.clear();
  }
  return *this;
}

std::vector<Tensor> Upload::take() {
  HR_CHECK(!tensors_.empty(), "Upload::take: nothing uploaded, or taken already");
  if (copied_) cuda::wait_mark(cuda::StreamRole::Compute, copied_);
  copied_.reset();
  std::vector<Tensor> out = std::move(tensors_);
  tensors_.clear();
  return out;
}

}  // namespace hr
