// The fused exchange-unit sum's block bodies run through the CPU grid emulator.
#include "kernels/emu/cpu_block.h"
#include "kernels/exchange/block.h"
#include "kernels/exchange/exchange.h"

namespace hr::kern {

void exchange_forward_emu(const ExchangeDesc<float>& d, float* y, const emu::EmuOptions& opt) {
  exchange_check(d, "exchange_forward_emu", true);
  using B = ExchangeForwardBlock;
  emu::run_grid<B>(B::grid(d), B::block(), 0, B::Params{d, y}, opt);
}

void exchange_backward_emu(const ExchangeDesc<float>& d, const float* y, const float* dy, const emu::EmuOptions& opt) {
  exchange_check(d, "exchange_backward_emu", false);
  using B = ExchangeBackwardBlock;
  emu::run_grid<B>(B::grid(d), B::block(), B::shared_bytes(d), B::Params{d, y, dy}, opt);
}

}  // namespace hr::kern
