// Scratch memory for library calls (cuDNN workspaces, algorithm search buffers). Kernels do
// not allocate device memory themselves: the engine passes a Workspace backed by its caching
// allocator, and every pointer it hands out stays valid until the Workspace is destroyed
// (after the op has been enqueued; the caching allocator reuses blocks in stream order).
#pragma once
#include <cstddef>

namespace hr::kern {

class Workspace {
 public:
  virtual ~Workspace() = default;
  // Device memory of at least `bytes` bytes (a valid pointer even for 0).
  virtual void* get(size_t bytes) = 0;
};

}  // namespace hr::kern
