// bfloat16 as the tensor-core kernels use it: the upper 16 bits of an IEEE float, rounded to
// nearest even. Written with integer operations so the CPU emulator and the GPU produce the
// same bits (the GPU's __float2bfloat16_rn does the same rounding; these are used on both
// sides anyway, so nothing depends on that).
#pragma once
#include <cstdint>
#include <cstring>

#include "kernels/common/hd.h"

namespace hr::emu {

HR_HD uint32_t float_bits(float f) {
#if defined(__CUDA_ARCH__)
  return __float_as_uint(f);
#else
  uint32_t u;
  std::memcpy(&u, &f, sizeof(u));
  return u;
#endif
}

HR_HD float bits_float(uint32_t u) {
#if defined(__CUDA_ARCH__)
  return __uint_as_float(u);
#else
  float f;
  std::memcpy(&f, &u, sizeof(f));
  return f;
#endif
}

// Round to nearest even; NaN stays a (quiet) NaN instead of rounding into infinity.
HR_HD uint16_t bf16_from_float(float f) {
  const uint32_t u = float_bits(f);
  if ((u & 0x7fffffffu) > 0x7f800000u) return uint16_t((u >> 16) | 0x0040u);
  return uint16_t((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}

HR_HD float bf16_to_float(uint16_t h) { return bits_float(uint32_t(h) << 16); }

// The value a float has after the round trip through bf16.
HR_HD float bf16_round(float f) { return bf16_to_float(bf16_from_float(f)); }

// Two bf16 in one 32-bit register as mma.sync takes them: the lower-indexed element in the
// low half ("elements low to high" in the PTX ISA).
HR_HD uint32_t pack_bf16x2(uint16_t lo, uint16_t hi) { return uint32_t(lo) | (uint32_t(hi) << 16); }
HR_HD uint16_t bf16x2_lo(uint32_t r) { return uint16_t(r & 0xffffu); }
HR_HD uint16_t bf16x2_hi(uint32_t r) { return uint16_t(r >> 16); }

}  // namespace hr::emu
