// The finiteness scan on the GPU: the table goes up with one synchronous copy (the caller is
// about to wait for the answer anyway), the two block bodies run, one int comes back.
#include <cstring>
#include <string>

#include "kernels/common/cuda_check.h"
#include "kernels/emu/cuda_block.cuh"
#include "kernels/finite/chunks.h"

namespace hr::kern {

int first_nonfinite_cuda(const std::vector<FiniteTensor<float>>& tensors, Workspace& ws, Stream stream) {
  const std::vector<FiniteChunk> chunks = finite_chunks(tensors);
  if (chunks.empty()) return -1;
  // One buffer: chunk table, then the data pointers, then the flags and the result.
  const size_t chunk_bytes = chunks.size() * sizeof(FiniteChunk);
  const size_t data_bytes = tensors.size() * sizeof(const float*);
  std::vector<unsigned char> table(chunk_bytes + data_bytes);
  std::memcpy(table.data(), chunks.data(), chunk_bytes);
  for (size_t t = 0; t < tensors.size(); ++t) std::memcpy(table.data() + chunk_bytes + t * sizeof(const float*), &tensors[t].p, sizeof(const float*));
  auto* dev = static_cast<unsigned char*>(ws.get(table.size() + (chunks.size() + 1) * sizeof(int)));
  cuda_check(cudaMemcpyAsync(dev, table.data(), table.size(), cudaMemcpyHostToDevice, stream),
             "first_nonfinite_cuda: table upload");
  FiniteParams p;
  p.chunks = reinterpret_cast<const FiniteChunk*>(dev);
  p.data = reinterpret_cast<const float* const*>(dev + chunk_bytes);
  p.nchunks = int(chunks.size());
  int* flags = reinterpret_cast<int*>(dev + table.size());
  p.chunk_bad = flags;
  p.result = flags + chunks.size();
  emu::launch<FiniteScanBlock>(emu::Dim3{int(chunks.size()), 1, 1}, FiniteScanBlock::block(),
                               FiniteScanBlock::shared_bytes(), p, stream);
  cuda_check(cudaGetLastError(), "first_nonfinite_cuda: scan", [&] { return std::to_string(chunks.size()) + " chunks"; });
  emu::launch<FiniteFirstBlock>(emu::Dim3{1, 1, 1}, emu::Dim3{1, 1, 1}, 0, p, stream);
  cuda_check(cudaGetLastError(), "first_nonfinite_cuda: first");
  int result = -1;
  cuda_check(cudaMemcpyAsync(&result, p.result.get(), sizeof(int), cudaMemcpyDeviceToHost, stream),
             "first_nonfinite_cuda: result");
  cuda_check(cudaStreamSynchronize(stream), "first_nonfinite_cuda: synchronize");
  return result;
}

}  // namespace hr::kern
