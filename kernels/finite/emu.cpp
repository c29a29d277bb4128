// The finiteness scan's block bodies run by the CPU grid emulator.
#include "kernels/emu/cpu_block.h"
#include "kernels/finite/chunks.h"

namespace hr::kern {

int first_nonfinite_emu(const std::vector<FiniteTensor<float>>& tensors, const emu::EmuOptions& opt) {
  const std::vector<FiniteChunk> chunks = finite_chunks(tensors);
  if (chunks.empty()) return -1;
  std::vector<const float*> data;
  for (const FiniteTensor<float>& t : tensors) data.push_back(t.p);
  std::vector<int> bad(chunks.size(), -7);
  int result = -7;
  const FiniteParams p{data.data(), chunks.data(), int(chunks.size()), bad.data(), &result};
  emu::run_grid<FiniteScanBlock>(emu::Dim3{int(chunks.size()), 1, 1}, FiniteScanBlock::block(),
                                 FiniteScanBlock::shared_bytes(), p, opt);
  emu::run_grid<FiniteFirstBlock>(emu::Dim3{1, 1, 1}, emu::Dim3{1, 1, 1}, 0, p, opt);
  return result;
}

}  // namespace hr::kern
