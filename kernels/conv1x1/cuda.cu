// The native 1x1 convolution on the GPU: the block body of block.h under emu::CudaBlock.
#include <string>

#include "kernels/common/cuda_check.h"
#include "kernels/conv1x1/block.h"
#include "kernels/conv1x1/conv1x1.h"
#include "kernels/emu/cuda_block.cuh"

namespace hr::kern {

void conv1x1_forward_native_cuda(int64_t M, int Cin, int Cout, const float* x, const float* w, const float* bias,
                                 float* y, Stream stream) {
  if (M < 1 || Cin < 1 || Cout < 1) throw Error("conv1x1_forward_native_cuda: empty shape");
  if ((M + Conv1x1Block::kTM - 1) / Conv1x1Block::kTM > 0x7fffffff)
    throw Error("conv1x1_forward_native_cuda: too many rows for one grid");
  const Conv1x1Params p{M, Cin, Cout, x, w, bias, y};
  emu::launch<Conv1x1Block>(Conv1x1Block::grid(M, Cout), Conv1x1Block::block(), Conv1x1Block::shared_bytes(), p,
                            stream);
  cuda_check(cudaGetLastError(), "conv1x1_forward_native_cuda",
             [&] { return "M " + std::to_string(M) + ", Cin " + std::to_string(Cin) + ", Cout " + std::to_string(Cout); });
}

}  // namespace hr::kern
