// The stream every CUDA kernel API takes, without including the CUDA headers (kernel headers
// are also compiled in builds without CUDA). kern::Stream is the same type as cudaStream_t;
// nullptr is the legacy default stream, which the engine uses for all compute for now.
#pragma once

struct CUstream_st;

namespace hr::kern {
using Stream = CUstream_st*;
}  // namespace hr::kern
