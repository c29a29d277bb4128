#include "engine/cuda/timing.h"

#include <cuda_runtime.h>
#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "engine/cuda/device.h"
#include "engine/error.h"

namespace hr::cuda {
namespace {
void check(cudaError_t e, const char* call) {
  if (e != cudaSuccess) fail("CUDA error in {}: {} ({})", call, cudaGetErrorString(e), int(e));
}
}  // namespace

void synchronize() { check(cudaDeviceSynchronize(), "cudaDeviceSynchronize"); }

double time_ms(const std::function<void()>& f, int warmup, int repeat) {
  HR_CHECK(repeat > 0, "time_ms: repeat must be positive, got {}", repeat);
  for (int i = 0; i < warmup; ++i) f();
  synchronize();
  std::vector<cudaEvent_t> ev(size_t(2) * repeat);
  for (auto& e : ev) check(cudaEventCreate(&e), "cudaEventCreate");
  cudaStream_t s = compute_stream();
  for (int i = 0; i < repeat; ++i) {
    check(cudaEventRecord(ev[2 * i], s), "cudaEventRecord");
    f();
    check(cudaEventRecord(ev[2 * i + 1], s), "cudaEventRecord");
  }
  check(cudaEventSynchronize(ev.back()), "cudaEventSynchronize");
  std::vector<double> ms;
  for (int i = 0; i < repeat; ++i) {
    float t = 0;
    check(cudaEventElapsedTime(&t, ev[2 * i], ev[2 * i + 1]), "cudaEventElapsedTime");
    ms.push_back(t);
  }
  for (auto& e : ev) cudaEventDestroy(e);
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

namespace {
// The current device's properties; false without a device.
bool current_properties(cudaDeviceProp* p) {
  int dev = 0, count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess || count == 0) {
    cudaGetLastError();
    return false;
  }
  check(cudaGetDevice(&dev), "cudaGetDevice");
  check(cudaGetDeviceProperties(p, dev), "cudaGetDeviceProperties");
  return true;
}
}  // namespace

std::string device_description() {
  cudaDeviceProp p{};
  if (!current_properties(&p)) return "";
  return fmt::format("{}, sm_{}{}, {:.0f} GiB", p.name, p.major, p.minor, double(p.totalGlobalMem) / (1 << 30));
}

std::string device_name() {
  cudaDeviceProp p{};
  return current_properties(&p) ? std::string(p.name) : std::string();
}

}  // namespace hr::cuda
