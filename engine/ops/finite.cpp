// ops::first_nonfinite: the trainer's divergence check over every gradient, on the tensors'
// own device (kernels/finite).
#include <fmt/format.h>

#include <string>

#include "engine/cuda/device.h"
#include "engine/ops.h"
#include "engine/ops/dispatch.h"
#include "kernels/finite/finite.h"

namespace hr::ops {

int first_nonfinite(const std::vector<Tensor>& tensors) {
  if (tensors.empty()) return -1;
  const Tensor& ref = tensors.front();
  for (size_t i = 0; i < tensors.size(); ++i) {
    const std::string what = fmt::format("tensor {} of the list", i);
    check_defined(tensors[i], what.c_str());
    detail::check_compatible("first_nonfinite", ref, tensors[i], what.c_str());
  }
  int result = -1;
  detail::dispatch("first_nonfinite", ref, [&](auto tag) {
    using T = decltype(tag);
    std::vector<kern::FiniteTensor<T>> list;
    for (const Tensor& t : tensors) list.push_back({t.data<T>(), t.numel()});
    result = kern::first_nonfinite_cpu(list);
  }, [&](auto) {
    std::vector<kern::FiniteTensor<float>> list;
    for (const Tensor& t : tensors) list.push_back({t.data<float>(), t.numel()});
    cuda::DeviceWorkspace ws;
    result = kern::first_nonfinite_cuda(list, ws, cuda::compute_stream());
  });
  return result;
}

}  // namespace hr::ops
