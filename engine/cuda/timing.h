// Timing and identification of the CUDA device, for benchmarks. Declared for every build;
// without CUDA they report that no device exists.
#pragma once
#include <functional>
#include <string>

namespace hr::cuda {

// Waits until all work queued on the device has finished (a no-op without CUDA).
void synchronize();

// Median milliseconds of f over `repeat` runs, each bracketed by CUDA events on the compute
// stream, after `warmup` untimed runs and a synchronize. f must only enqueue work on the
// compute stream (host work inside f is not what the events see).
double time_ms(const std::function<void()>& f, int warmup, int repeat);

// "NVIDIA H100 80GB HBM3, sm_90, 79 GiB" for the current device; "" without one.
std::string device_description();

// The current device's name as the driver reports it ("NVIDIA H100 80GB HBM3"): what the kernel
// registry keys its cache by and hrnet-bench kernels looks its peak figures up by; "" without one.
std::string device_name();

}  // namespace hr::cuda
