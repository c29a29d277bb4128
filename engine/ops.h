// The op API: every differentiable operation of the engine, dispatched by device to kernels/.
// Activations are NHWC [N][H][W][C]. Each op checks shapes, dtypes and devices and names the
// argument at fault. All inputs of one op must share dtype (f32, or f64 on the CPU) and device.
#pragma once
#include "engine/autograd.h"

namespace hr::ops {

// 2-D convolution. x [N,H,W,Cin], w [Cout,K,K,Cin] with K = 1 or 3, padding K/2, stride 1 or 2
// (output ceil(H/2) x ceil(W/2) at stride 2), bias [Cout] or an undefined Var for none.
Var conv2d(const Var& x, const Var& w, const Var& bias, int stride);

// Batch normalisation over N, H, W of x [N,H,W,C]; gamma, beta, running_mean, running_var [C].
// training: batch statistics, and the running statistics are updated in place with
// `momentum` (PyTorch's rule, unbiased running variance). Otherwise the running statistics
// are used and left alone.
Var batch_norm(const Var& x, const Var& gamma, const Var& beta, Tensor& running_mean,
               Tensor& running_var, bool training, double momentum = 0.1, double eps = 1e-5);

// Batch norm with what follows it in HRNet fused into the same passes (kernels/batchnorm:
// BnAct): y = relu?(batch_norm(x) + residual?); `residual` may be undefined. The results and
// gradients are those of batch_norm, add and relu in sequence, bit for bit; the BN output and
// the masked gradient are never stored.
Var batch_norm_act(const Var& x, const Var& gamma, const Var& beta, Tensor& running_mean, Tensor& running_var,
                   bool training, double momentum, double eps, const Var& residual, bool relu);

Var relu(const Var& x);
Var add(const Var& a, const Var& b);
Var add_relu(const Var& a, const Var& b);  // relu(a + b) in one pass

// conv2d(relu(batch_norm(x)), w, bias, stride) in training mode (batch statistics, running
// statistics updated) without keeping the BN + ReLU output for the backward: the backward
// recomputes it from x and the saved statistics (the same bits: kern::bn_apply_*), so the
// results and gradients are those of batch_norm_act + conv2d, bit for bit, while one
// activation per use less stays alive between forward and backward. HRNet's blocks use it
// where a BN + ReLU output feeds only the next conv (BasicBlock's first, Bottleneck's first
// two).
Var batch_norm_relu_conv2d(const Var& x, const Var& gamma, const Var& beta, Tensor& running_mean, Tensor& running_var,
                           double momentum, double eps, const Var& w, const Var& bias, int stride);

// Nearest-neighbour upsampling of x [N,H,W,C] by an integer factor to [N,H*f,W*f,C].
Var upsample_nearest(const Var& x, int factor);

// HRNet's exchange-unit sum in one pass: relu(U_0 + U_1 + ... + U_{T-1}), added left to right,
// where U_t is terms[t] [N,h_t,w_t,C] upsampled (nearest) by factors[t] (a power of two, 1 to
// 16) without materialising it. The first term with factor 1 sets the output shape [N,H,W,C];
// every term must then be [N, ceil(H/f), ceil(W/f), C] (f = 1: the output shape). Bit for bit
// the same as upsample_nearest + add ... add + add_relu when f divides H and W.
Var fuse_sum_relu(const std::vector<Var>& terms, const std::vector<int>& factors);

// The fused inference exchange unit (kernels/exchange/unit.h): one output branch of an
// exchange unit, ReLU(sum of the terms in order), in one kernel, for eval without gradients
// (the result is a plain tensor). A term is the identity (w undefined: x itself, broadcast by
// 2^log2_up) or a conv of x with weights w [C,K,K,Cin] (padding K/2, `stride`) plus `bias`
// [C] (BN folded into w and bias), at resolution ceil(H/2^log2_up) x ceil(W/2^log2_up) and
// broadcast. f32 only. `out` is [N,H,W,C].
struct UnitTermInput {
  Tensor x, w, bias;
  int stride = 1;
  int log2_up = 0;
};
Tensor exchange_unit(const std::vector<UnitTermInput>& terms, const Shape& out);
// Whether exchange_unit should replace the separate convs and the fused sum for these terms:
// always after force_exchange_unit(true) (tests); else on CUDA when HRNET_KERNELS is set and
// the kernel registry chooses the unit for this shape (engine/cuda/exchange_unit_registry.h),
// never on the CPU (its CPU form is the kernel's serial definition, slower than the usual path).
bool exchange_unit_selected(const std::vector<UnitTermInput>& terms, const Shape& out);
bool force_exchange_unit(bool on);  // returns the previous setting
// force_exchange_unit for a scope (restored however the scope ends).
class ForceExchangeUnitScope {
 public:
  explicit ForceExchangeUnitScope(bool on) : prev_(force_exchange_unit(on)) {}
  ~ForceExchangeUnitScope() { force_exchange_unit(prev_); }
  ForceExchangeUnitScope(const ForceExchangeUnitScope&) = delete;
  ForceExchangeUnitScope& operator=(const ForceExchangeUnitScope&) = delete;

 private:
  bool prev_;
};
int64_t exchange_unit_count();           // units run so far in this process (tests)

// The official JointsMSELoss. pred and target [B,H,W,J] (NHWC heatmaps), target_weight [B,J].
// L = 0.5 * mean over B,J,H,W of (w * (pred - target))^2; weights ignored when
// use_target_weight is false. Returns a one-element Var.
Var joints_mse_loss(const Var& pred, const Tensor& target, const Tensor& target_weight,
                    bool use_target_weight = true);

// Peaks of f32 heatmaps [B,H,W,J] on either device (not differentiable): for every map the
// first row-major index of its maximum (a NaN counts as the maximum, like numpy's argmax in
// the official get_max_preds) and the maximum, returned on the host as index i64 [B,J] and
// value f32 [B,J]. On CUDA only these B*J pairs cross the bus, not the heatmaps.
struct HeatmapPeaks {
  Tensor index, value;
};
HeatmapPeaks heatmap_peaks(const Tensor& heatmaps);

// Index of the first tensor (in list order) that holds a NaN or an infinity, or -1 (not
// differentiable). All tensors on one device with one dtype; on CUDA the scan runs on the
// device and only the answer crosses the bus.
int first_nonfinite(const std::vector<Tensor>& tensors);

}  // namespace hr::ops

namespace hr {
// dst += src (same shape, dtype and device): how gradients are summed.
void accumulate_into(Tensor& dst, const Tensor& src);
}  // namespace hr
