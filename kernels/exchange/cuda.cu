// The fused exchange-unit sum on the GPU: the block bodies of block.h under emu::CudaBlock.
#include <string>

#include "kernels/common/cuda_check.h"
#include "kernels/emu/cuda_block.cuh"
#include "kernels/exchange/block.h"
#include "kernels/exchange/exchange.h"

namespace hr::kern {
namespace {
std::string shape_of(const ExchangeDesc<float>& d) {
  std::string s = "output [" + std::to_string(d.N) + ", " + std::to_string(d.H) + ", " + std::to_string(d.W) +
                  ", " + std::to_string(d.C) + "], factors";
  for (int k = 0; k < d.count; ++k) s += " " + std::to_string(1 << d.term[k].log2_factor);
  return s;
}
}  // namespace

void exchange_forward_cuda(const ExchangeDesc<float>& d, float* y, Stream stream) {
  exchange_check(d, "exchange_forward_cuda", true);
  using B = ExchangeForwardBlock;
  if ((B::elements(d) + B::kThreads - 1) / B::kThreads > 0x7fffffff)
    throw Error("exchange_forward_cuda: too many elements for one grid (" + shape_of(d) + ")");
  emu::launch<B>(B::grid(d), B::block(), 0, B::Params{d, y}, stream);
  cuda_check(cudaGetLastError(), "exchange_forward_cuda", [&] { return shape_of(d); });
}

void exchange_backward_cuda(const ExchangeDesc<float>& d, const float* y, const float* dy, Stream stream) {
  exchange_check(d, "exchange_backward_cuda", false);
  using B = ExchangeBackwardBlock;
  if (d.N > 65535) throw Error("exchange_backward_cuda: batch over 65535 (" + shape_of(d) + ")");
  emu::launch<B>(B::grid(d), B::block(), B::shared_bytes(d), B::Params{d, y, dy}, stream);
  cuda_check(cudaGetLastError(), "exchange_backward_cuda", [&] { return shape_of(d); });
}

}  // namespace hr::kern
