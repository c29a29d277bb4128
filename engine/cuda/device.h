// The engine's side of the CUDA backend: the stream ops enqueue on, and the Workspace that
// hands kernels scratch memory from the caching allocator.
//
// Streams: all compute runs on the legacy default stream for now (kern::Stream nullptr), so
// ordering with synchronous copies (Tensor::to, item()) is implicit. Kernel APIs take the
// stream as a parameter, so a per-thread or per-device stream can replace it in one place.
#pragma once
#include <vector>

#include "engine/tensor.h"
#include "kernels/common/stream.h"
#include "kernels/common/workspace.h"

namespace hr::cuda {

inline kern::Stream compute_stream() { return nullptr; }

// Scratch for one op: every get() is a CUDA tensor kept alive until the Workspace goes away.
// Freed blocks return to the caching allocator, which hands them out again in stream order
// (one stream), so an op's queued kernels never see their scratch reused under them.
class DeviceWorkspace final : public kern::Workspace {
 public:
  void* get(size_t bytes) override {
    const int64_t floats = int64_t((bytes + sizeof(float) - 1) / sizeof(float));
    held_.push_back(Tensor::empty(Shape{floats > 0 ? floats : 1}, DType::f32, Device::CUDA));
    return held_.back().raw();
  }

 private:
  std::vector<Tensor> held_;
};

}  // namespace hr::cuda
