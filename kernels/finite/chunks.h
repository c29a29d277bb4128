// The chunk table of the finiteness scan, built on the host for both entry points.
#pragma once
#include <vector>

#include "kernels/finite/finite.h"
#include "kernels/finite/finite_block.h"

namespace hr::kern {

inline std::vector<FiniteChunk> finite_chunks(const std::vector<FiniteTensor<float>>& tensors) {
  std::vector<FiniteChunk> chunks;
  for (size_t t = 0; t < tensors.size(); ++t)
    for (int64_t s = 0; s < tensors[t].n; s += FiniteScanBlock::kChunk)
      chunks.push_back({int(t), s, s + FiniteScanBlock::kChunk < tensors[t].n ? s + FiniteScanBlock::kChunk : tensors[t].n});
  return chunks;
}

}  // namespace hr::kern
