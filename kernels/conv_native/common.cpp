// Host-side rules of the native convolutions shared by the emulator and the CUDA entry
// points: which shapes they take and how the weight gradient splits K.
#include <algorithm>

#include "kernels/common/conv_describe.h"
#include "kernels/common/error.h"
#include "kernels/conv_native/conv_native.h"
#include "kernels/conv_native/igemm_bf16.h"
#include "kernels/conv_native/native_check.h"
#include "kernels/conv_native/problems.h"

namespace hr::kern {

const char* native_math_name(NativeMath m) {
  switch (m) {
    case NativeMath::F32: return "f32";
    case NativeMath::BF16: return "bf16";
    case NativeMath::BF16Pipelined: return "bf16p";
  }
  return "?";
}

std::string conv_native_unsupported(const ConvDesc& d) {
  if (d.N < 1 || d.H < 1 || d.W < 1 || d.Cin < 1 || d.Cout < 1) return "empty shape";
  if (d.K < 1 || d.K % 2 == 0 || d.K > 7) return "kernel size must be odd, 1 to 7";
  if (d.stride != 1 && d.stride != 2) return "stride must be 1 or 2";
  if (d.Ho != conv_out_size(d.H, d.K, d.stride) || d.Wo != conv_out_size(d.W, d.K, d.stride))
    return "output extent does not follow from the input, kernel and stride";
  // Row and k indices are split with 32-bit arithmetic (problems.h): every GEMM index below 2^31.
  const int64_t limit = int64_t(1) << 31;
  if (d.patch() >= limit || d.rows() >= limit || d.in_elems() / d.Cin >= limit ||
      int64_t(d.K) * d.K * d.Cout >= limit)
    return "too large: the GEMM indices must stay below 2^31";
  // Per-pass grid limits are checked at launch (check_grid).
  return "";
}

namespace native {
void check_supported(const ConvDesc& d, const char* fn) {
  const std::string why = conv_native_unsupported(d);
  if (!why.empty()) throw Error(std::string(fn) + ": " + why + ", got " + describe_conv(d));
}

void check_epilogue(const ConvDesc& d, const ConvEpilogue& ep, const char* fn) {
  if (ep.up == 0) return;
  if (ep.up < 0 || ep.up > 5)
    throw Error(std::string(fn) + ": broadcast factor 2^" + std::to_string(ep.up) + " outside 1 to 32 (up 0 to 5)");
  const int64_t max_h = int64_t(d.Ho) << ep.up, max_w = int64_t(d.Wo) << ep.up;
  if (ep.out_H < d.Ho || ep.out_W < d.Wo || ep.out_H > max_h || ep.out_W > max_w)
    throw Error(std::string(fn) + ": a " + std::to_string(d.Ho) + "x" + std::to_string(d.Wo) + " map broadcast by " +
                std::to_string(1 << ep.up) + " cannot fill a " + std::to_string(ep.out_H) + "x" +
                std::to_string(ep.out_W) + " output, " + describe_conv(d));
}

void check_grid(int64_t M, int64_t N, int splits, int TM, int TN, const ConvDesc& d, const char* fn) {
  const int64_t gx = (M + TM - 1) / TM, gy = (N + TN - 1) / TN;
  if (gx > int64_t(0x7fffffff) || gy > 65535 || splits > 65535)
    throw Error(std::string(fn) + ": the GEMM (" + std::to_string(M) + " x " + std::to_string(N) +
                ") needs a grid of " + std::to_string(gx) + " x " + std::to_string(gy) + " x " +
                std::to_string(splits) + " blocks, beyond the launch limits, " + describe_conv(d));
}

int checked_splits(const ConvDesc& d, int splits, const char* fn) {
  if (splits == 0) return conv_native_wgrad_splits(d);
  if (splits < 1 || splits > kMaxSplits)
    throw Error(std::string(fn) + ": split-K factor " + std::to_string(splits) + " outside [1, " +
                std::to_string(kMaxSplits) + "]");
  return splits;
}
}  // namespace native

int conv_native_wgrad_splits(const ConvDesc& d) {
  // Aim at two waves of blocks on a 132-SM H100; keep at least 8 K tiles (256 rows) per split
  // so the partials' extra traffic stays small against the work.
  constexpr int64_t kTargetBlocks = 264, kMinTilesPerSplit = 8;
  using B = native::IgemmBf16Block<native::ConvBackwardWeight>;
  const int64_t tiles = ((d.Cout + B::kTM - 1) / B::kTM) * ((d.patch() + B::kTN - 1) / B::kTN);
  const int64_t k_tiles = (d.rows() + B::kKTile - 1) / B::kKTile;
  int64_t s = (kTargetBlocks + tiles - 1) / tiles;
  s = std::min<int64_t>(s, k_tiles / kMinTilesPerSplit);
  return int(std::clamp<int64_t>(s, 1, native::kMaxSplits));
}

int64_t conv_native_wgrad_workspace_bytes(const ConvDesc& d, int splits) {
  return int64_t(splits) * d.Cout * d.patch() * int64_t(sizeof(float));
}

}  // namespace hr::kern
