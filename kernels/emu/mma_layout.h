// Fragment layouts of mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32, as the PTX ISA
// documents them ("Matrix Fragments for mma.m16n8k16 with floating point type"): which
// element of A (16x16, row-major), B (16x8, column-major) and C/D (16x8) each of the 32 lanes
// holds in which register half. Kernels use these to load and store fragments; the emulator
// uses the same functions to gather and scatter, so a kernel and the emulator cannot disagree
// on a layout; whether the layout is the hardware's is what the [cuda] tests check.
//
//   groupID = lane / 4, tig (thread in group) = lane % 4
//   A: 8 bf16 a0..a7 in 4 registers (a0,a1 | a2,a3 | a4,a5 | a6,a7)
//      row = groupID (+8 for a2,a3,a6,a7), col = 2 tig + (i & 1) (+8 for a4..a7)
//   B: 4 bf16 b0..b3 in 2 registers, row (k) = 2 tig + (i & 1) (+8 for b2,b3), col (n) = groupID
//   C, D: 4 floats c0..c3, row = groupID (+8 for c2,c3), col = 2 tig + (i & 1)
#pragma once
#include "kernels/common/hd.h"

namespace hr::emu::mma16816 {

constexpr int kM = 16, kN = 8, kK = 16;
constexpr int kARegs = 4, kBRegs = 2, kCRegs = 4;  // 32-bit registers per lane

HR_HD int group(int lane) { return lane >> 2; }
HR_HD int tig(int lane) { return lane & 3; }

HR_HD int a_row(int lane, int i) { return group(lane) + ((i & 2) ? 8 : 0); }
HR_HD int a_col(int lane, int i) { return 2 * tig(lane) + (i & 1) + ((i & 4) ? 8 : 0); }
HR_HD int b_row(int lane, int i) { return 2 * tig(lane) + (i & 1) + ((i & 2) ? 8 : 0); }
HR_HD int b_col(int lane, int /*i*/) { return group(lane); }
HR_HD int c_row(int lane, int i) { return group(lane) + ((i & 2) ? 8 : 0); }
HR_HD int c_col(int lane, int i) { return 2 * tig(lane) + (i & 1); }

}  // namespace hr::emu::mma16816
