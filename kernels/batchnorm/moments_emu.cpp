// The one-pass batch moments (moments_block.h) run by the CPU grid emulator.
#include <vector>

#include "kernels/batchnorm/batchnorm.h"
#include "kernels/batchnorm/moments_block.h"
#include "kernels/common/error.h"
#include "kernels/emu/cpu_block.h"

namespace hr::kern {

void bn_moments_emu(int64_t rows, int C, const float* x, double* mean, double* var, const emu::EmuOptions& opt) {
  if (rows < 1 || C < 1) throw Error("bn_moments_emu: empty input");
  MomentsParams p = plan_moments(rows, C, x, nullptr, mean, var);
  std::vector<double> partial(size_t(p.chunks) * size_t(C) * 3);
  p.partial = partial.data();
  emu::run_grid<MomentsChunkBlock>(MomentsChunkBlock::grid(p), MomentsChunkBlock::block(),
                                   MomentsChunkBlock::shared_bytes(), p, opt);
  emu::run_grid<MomentsMergeBlock>(MomentsMergeBlock::grid(p), MomentsMergeBlock::block(), 0, p, opt);
}

}  // namespace hr::kern
