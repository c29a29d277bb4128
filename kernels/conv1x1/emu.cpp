// The native 1x1 convolution run through the CPU grid emulator.
#include "kernels/common/error.h"
#include "kernels/conv1x1/block.h"
#include "kernels/conv1x1/conv1x1.h"
#include "kernels/emu/cpu_block.h"

namespace hr::kern {

void conv1x1_forward_emu(int64_t M, int Cin, int Cout, const float* x, const float* w, const float* bias, float* y,
                         const emu::EmuOptions& opt) {
  if (M < 1 || Cin < 1 || Cout < 1) throw Error("conv1x1_forward_emu: empty shape");
  const Conv1x1Params p{M, Cin, Cout, x, w, bias, y};
  emu::run_grid<Conv1x1Block>(Conv1x1Block::grid(M, Cout), Conv1x1Block::block(), Conv1x1Block::shared_bytes(), p,
                              opt);
}

}  // namespace hr::kern
