// Which of many tensors holds a NaN or an infinity: the trainer's check of every gradient
// before the optimizer step. On the GPU the scan runs on the device and one int comes back,
// instead of copying every gradient to the host (28.5M floats for W32: 114 MB per step).
#pragma once
#include <cstdint>
#include <vector>

#include "kernels/common/stream.h"
#include "kernels/common/workspace.h"
#include "kernels/emu/options.h"

namespace hr::kern {

template <typename T>
struct FiniteTensor {
  const T* p = nullptr;
  int64_t n = 0;
};

// Index (in list order) of the first tensor with a non-finite element, or -1.
template <typename T>
int first_nonfinite_cpu(const std::vector<FiniteTensor<T>>& tensors);

// The block bodies of finite_block.h through the CPU grid emulator (host pointers; tests).
int first_nonfinite_emu(const std::vector<FiniteTensor<float>>& tensors, const emu::EmuOptions& opt = {});

// The same on the GPU (device pointers). Waits for the result: one int copied back.
int first_nonfinite_cuda(const std::vector<FiniteTensor<float>>& tensors, Workspace& ws, Stream stream);

}  // namespace hr::kern
