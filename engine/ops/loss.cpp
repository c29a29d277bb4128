#include "engine/ops.h"
#include "engine/cuda/device.h"
#include "engine/ops/dispatch.h"
#include "kernels/loss/loss.h"

namespace hr::ops {

using detail::check_compatible;
using detail::dispatch;

Var joints_mse_loss(const Var& pred, const Tensor& target, const Tensor& target_weight,
                    bool use_target_weight) {
  const Tensor& P = pred.value();
  check_ndim(P, 4, "joints_mse_loss prediction");
  check_compatible("joints_mse_loss", P, target, "target");
  check_shape(target, P.shape(), "joints_mse_loss target");
  const int B = int(P.size(0)), J = int(P.size(3));
  const int64_t HW = P.size(1) * P.size(2);
  if (use_target_weight) {
    check_compatible("joints_mse_loss", P, target_weight, "target_weight");
    HR_CHECK(target_weight.numel() == int64_t(B) * J,
             "joints_mse_loss: target_weight {} must hold [B, J] = [{}, {}] values",
             target_weight.desc(), B, J);
  }
  const float* wf = nullptr;  // f32 target weights for the CUDA kernels (null: unweighted)
  if (P.device() == Device::CUDA && use_target_weight) wf = target_weight.data<float>();
  Tensor L = Tensor::empty(Shape{1}, P.dtype(), P.device());
  dispatch("joints_mse_loss", P, [&](auto tag) {
    using T = decltype(tag);
    const T* w = use_target_weight ? target_weight.data<T>() : nullptr;
    L.data<T>()[0] = T(kern::joints_mse_forward_cpu<T>(B, HW, J, P.data<T>(), target.data<T>(), w,
                                                       use_target_weight));
  }, [&](auto) {
    cuda::DeviceWorkspace ws;
    kern::joints_mse_forward_cuda(B, HW, J, P.data<float>(), target.data<float>(), wf, use_target_weight,
                                  L.data<float>(), ws, cuda::compute_stream());
  });
  return record_op1("joints_mse_loss", {pred}, L,
                    [B, HW, J, P, target, target_weight, use_target_weight, wf](
                        const std::vector<Tensor>& gout, std::vector<Tensor>& gin) {
    dispatch("joints_mse_loss backward", P, [&](auto tag) {
      using T = decltype(tag);
      const double dL = gout[0].item();
      const T* w = use_target_weight ? target_weight.data<T>() : nullptr;
      kern::joints_mse_backward_cpu<T>(B, HW, J, P.data<T>(), target.data<T>(), w,
                                       use_target_weight, dL, gin[0].data<T>());
    }, [&](auto) {  // the seed stays on the device: no synchronisation
      kern::joints_mse_backward_cuda(B, HW, J, P.data<float>(), target.data<float>(), wf, use_target_weight,
                                     gout[0].data<float>(), gin[0].data<float>(), cuda::compute_stream());
    });
  });
}

}  // namespace hr::ops
