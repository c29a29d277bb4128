// The fused inference exchange unit on the GPU: the block body of unit_block.h under
// emu::CudaBlock (its own translation unit, to keep CUDA rebuilds small).
#include <string>

#include "kernels/common/cuda_check.h"
#include "kernels/common/error.h"
#include "kernels/emu/cuda_block.cuh"
#include "kernels/exchange/unit.h"
#include "kernels/exchange/unit_block.h"

namespace hr::kern {

void exchange_unit_forward_cuda(const ExchangeUnitDesc& d, float* y, Stream stream) {
  const std::string why = exchange_unit_unsupported(d);
  if (!why.empty()) throw Error("exchange_unit_forward_cuda: " + why + " (" + describe_exchange_unit(d) + ")");
  using B = ExchangeUnitBlock;
  emu::launch<B>(B::grid(d), B::block(), B::shared_bytes(), B::Params{d, y}, stream);
  cuda_check(cudaGetLastError(), "exchange_unit_forward_cuda", [&] { return describe_exchange_unit(d); });
}

}  // namespace hr::kern
