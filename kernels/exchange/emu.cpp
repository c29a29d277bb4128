// The fused exchange-unit sum's and the fused inference unit's block bodies run through the
// CPU grid emulator.
#include <string>

#include "kernels/common/error.h"
#include "kernels/emu/cpu_block.h"
#include "kernels/exchange/block.h"
#include "kernels/exchange/exchange.h"
#include "kernels/exchange/unit.h"
#include "kernels/exchange/unit_block.h"

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

void exchange_unit_forward_emu(const ExchangeUnitDesc& d, float* y, const emu::EmuOptions& opt) {
  const std::string why = exchange_unit_unsupported(d);
  if (!why.empty()) throw Error("exchange_unit_forward_emu: " + why + " (" + describe_exchange_unit(d) + ")");
  using B = ExchangeUnitBlock;
  emu::run_grid<B>(B::grid(d), B::block(), B::shared_bytes(), B::Params{d, y}, opt);
}

}  // namespace hr::kern
