// The native implicit-GEMM convolutions (kernels/conv_native) and the warp-level mma emulation
// under the CPU grid emulator. The block bodies run here exactly as nvcc compiles them;
// tests/cuda/test_cuda_conv_native.cpp compares the GPU with these runs.
//
// Two kinds of check per pass: (1) bit for bit against a serial loop over the same implicit
// GEMM (problems.h) in the arithmetic the kernel documents, which catches tiling, staging,
// fragment and barrier mistakes; (2) against the CPU conv2d kernels within rounding, which
// catches a wrong gather (problems.h itself).
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <set>
#include <tuple>
#include <vector>

#include "kernels/common/conv_describe.h"
#include "kernels/common/error.h"
#include "kernels/conv/conv.h"
#include "kernels/conv_native/conv_native.h"
#include "kernels/conv_native/igemm_bf16.h"
#include "kernels/conv_native/problems.h"
#include "kernels/emu/bf16.h"
#include "kernels/emu/cpu_block.h"
#include "kernels/emu/mma_layout.h"
#include "kernels/emu/mma_probe.h"
#include "tests/support/float_compare.h"
#include "tests/support/random_floats.h"

using namespace hr;
using test::mismatches;
using test::random_floats;
using test::rel_max;
using kern::ConvDesc;
using kern::NativeMath;
using emu::EmuOptions;
using emu::Schedule;

namespace {

// The kernels' documented arithmetic, serially, for one problem: per split, per output, an
// f32 fmaf chain over k in order (F32), or per 16-wide k chunk one exactly summed mma step
// rounded to float (BF16, operands rounded to bf16). Results go through the problem's store.
template <typename Problem>
void serial_igemm(const Problem& pr, NativeMath math, int splits, int k_tile) {
  for (int s = 0; s < splits; ++s) {
    const int64_t kb = kern::native::split_k_begin(pr.K(), splits, s, k_tile);
    const int64_t ke = kern::native::split_k_begin(pr.K(), splits, s + 1, k_tile);
    for (int64_t m = 0; m < pr.M(); ++m)
      for (int n = 0; n < pr.N(); ++n) {
        float acc = 0.f;
        if (math == NativeMath::F32) {
          for (int64_t k = kb; k < ke; ++k) acc = std::fmaf(pr.a(m, k), pr.b(k, n), acc);
        } else {
          for (int64_t c = kb; c < ke; c += 16) {
            double t = acc;
            for (int64_t k = c; k < c + 16 && k < ke; ++k)
              t += double(emu::bf16_round(pr.a(m, k))) * double(emu::bf16_round(pr.b(k, n)));
            acc = float(t);
          }
        }
        pr.store(m, n, acc, s);
      }
  }
}

int k_tile(NativeMath math) { return math == NativeMath::F32 ? 16 : 32; }

struct ConvCase {
  int N, H, W, Cin, Cout, K, stride;
};
// HRNet's kinds of layer at odd, small sizes: the stem (3 input channels, stride 2), 3x3
// stride 1 and 2 with channel counts across the 64-wide tiles and the K slices, 1x1 layers
// and maps like the 12x9 / 8x6 ends of the branches.
const ConvCase kCases[] = {{1, 5, 7, 3, 5, 3, 2},   {2, 9, 7, 5, 7, 3, 1},   {1, 12, 9, 19, 33, 3, 2},
                           {1, 8, 6, 40, 70, 3, 1}, {2, 6, 5, 17, 9, 1, 1},  {1, 7, 5, 33, 18, 1, 2},
                           {1, 3, 3, 1, 1, 3, 1}};

ConvDesc desc_of(const ConvCase& c) { return kern::make_conv_desc(c.N, c.H, c.W, c.Cin, c.Cout, c.K, c.stride); }

const NativeMath kMaths[] = {NativeMath::F32, NativeMath::BF16, NativeMath::BF16Pipelined};

}  // namespace

TEST_CASE("emu mma: the fragment layouts give every matrix element to exactly one lane and register", "[emu]") {
  namespace L = emu::mma16816;
  std::vector<int> a(L::kM * L::kK, 0), b(L::kK * L::kN, 0), c(L::kM * L::kN, 0);
  for (int lane = 0; lane < 32; ++lane) {
    for (int i = 0; i < 2 * L::kARegs; ++i) ++a[size_t(L::a_row(lane, i) * L::kK + L::a_col(lane, i))];
    for (int i = 0; i < 2 * L::kBRegs; ++i) ++b[size_t(L::b_row(lane, i) * L::kN + L::b_col(lane, i))];
    for (int i = 0; i < L::kCRegs; ++i) ++c[size_t(L::c_row(lane, i) * L::kN + L::c_col(lane, i))];
    // The two halves of one register share a row and hold neighbouring columns (A) / k (B).
    for (int j = 0; j < L::kARegs; ++j) {
      CHECK(L::a_row(lane, 2 * j) == L::a_row(lane, 2 * j + 1));
      CHECK(L::a_col(lane, 2 * j) + 1 == L::a_col(lane, 2 * j + 1));
    }
    for (int j = 0; j < L::kBRegs; ++j) CHECK(L::b_row(lane, 2 * j) + 1 == L::b_row(lane, 2 * j + 1));
  }
  for (int v : a) CHECK(v == 1);
  for (int v : b) CHECK(v == 1);
  for (int v : c) CHECK(v == 1);
  // Spot values from the PTX ISA's figure: lane 5 (group 1, thread 1) holds A(1, 2), A(9, 3),
  // A(1, 10) in a0, a3, a4; B(10, 1) in b2; C(9, 3) in c3.
  CHECK((L::a_row(5, 0) == 1 && L::a_col(5, 0) == 2));
  CHECK((L::a_row(5, 3) == 9 && L::a_col(5, 3) == 3));
  CHECK((L::a_row(5, 4) == 1 && L::a_col(5, 4) == 10));
  CHECK((L::b_row(5, 2) == 10 && L::b_col(5, 2) == 1));
  CHECK((L::c_row(5, 3) == 9 && L::c_col(5, 3) == 3));
}

TEST_CASE("emu mma: one emulated mma.sync through the fragment layouts is D = A * B + C", "[emu]") {
  Rng rng(51);
  const auto A = random_floats(16 * 16, rng), B = random_floats(16 * 8, rng), C = random_floats(16 * 8, rng);
  std::vector<float> D(16 * 8, 0.f);
  kern::mma_probe_emu(A.data(), B.data(), C.data(), D.data());
  for (int m = 0; m < 16; ++m)
    for (int n = 0; n < 8; ++n) {
      double t = C[size_t(m * 8 + n)];
      for (int k = 0; k < 16; ++k) t += double(emu::bf16_round(A[size_t(m * 16 + k)])) * emu::bf16_round(B[size_t(k * 8 + n)]);
      INFO("m " << m << " n " << n);
      CHECK(D[size_t(m * 8 + n)] == float(t));
    }
}

TEST_CASE("emu bf16: round to nearest even, NaN stays NaN", "[emu]") {
  CHECK(emu::bf16_from_float(1.0f) == 0x3f80);
  // 1 + 2^-8 is halfway between two bf16 values: ties go to the even one (1.0).
  CHECK(emu::bf16_from_float(1.0f + 1.0f / 256) == 0x3f80);
  CHECK(emu::bf16_from_float(1.0f + 3.0f / 256) == 0x3f82);  // halfway, rounds up to even
  CHECK(emu::bf16_from_float(-2.5f) == 0xc020);
  CHECK(std::isnan(emu::bf16_round(std::nanf(""))));
  CHECK(std::isinf(emu::bf16_round(INFINITY)));
}

namespace {
// Each thread publishes its id in shared memory and, after a warp collective but WITHOUT a
// barrier, reads the slot of the thread 32 places on (another warp). A collective does not
// order warps, so the emulator must show the race; with the barrier the result is right.
struct WarpRaceParams {
  float* out;
  bool barrier;
};
struct WarpRaceBody {
  template <typename Ctx>
  static void run(Ctx& ctx, const WarpRaceParams& p) {
    const int n = ctx.block_dim().count();
    auto s = ctx.template shared<float>(n);
    auto a = ctx.template regs<uint32_t, 4>();
    auto b = ctx.template regs<uint32_t, 2>();
    auto d = ctx.template regs<float, 4>();
    ctx.for_each_thread([&](emu::Thread t) {
      s[t.id] = float(t.id);
      for (int i = 0; i < 4; ++i) a[t][i] = 0u, d[t][i] = 0.f;
      b[t][0] = b[t][1] = 0u;
    });
    if (p.barrier) ctx.barrier();
    ctx.mma_bf16_16816(d, 0, a, 0, b, 0);
    ctx.for_each_thread([&](emu::Thread t) { p.out[t.id] = s[(t.id + 32) % n] + d[t][0]; });
    ctx.end_block();
  }
};
}  // namespace

TEST_CASE("emu: a warp collective does not hide a missing barrier between warps", "[emu]") {
  const int n = 64;
  std::vector<float> expect(n);
  for (int i = 0; i < n; ++i) expect[size_t(i)] = float((i + 32) % n);
  for (const EmuOptions& opt : {EmuOptions{Schedule::InOrder, 1}, EmuOptions{Schedule::Reversed, 1},
                                EmuOptions{Schedule::Shuffled, 3}}) {
    INFO("schedule " << int(opt.schedule));
    std::vector<float> out(n, 0.f);
    emu::run_grid<WarpRaceBody>(emu::Dim3{1, 1, 1}, emu::Dim3{n, 1, 1}, n * 4, WarpRaceParams{out.data(), true}, opt);
    CHECK(out == expect);
    CHECK_THROWS_WITH(
        emu::run_grid<WarpRaceBody>(emu::Dim3{1, 1, 1}, emu::Dim3{n, 1, 1}, n * 4, WarpRaceParams{out.data(), false}, opt),
        Catch::Contains("shared-memory race"));
    EmuOptions unchecked = opt;
    unchecked.racecheck = false;
    emu::run_grid<WarpRaceBody>(emu::Dim3{1, 1, 1}, emu::Dim3{n, 1, 1}, n * 4, WarpRaceParams{out.data(), false},
                                unchecked);
    CHECK(out != expect);
  }
  // A collective needs whole warps.
  std::vector<float> out(48);
  CHECK_THROWS_WITH(emu::run_grid<WarpRaceBody>(emu::Dim3{1, 1, 1}, emu::Dim3{48, 1, 1}, 48 * 4,
                                                WarpRaceParams{out.data(), true}),
                    Catch::Contains("whole warps"));
}

TEST_CASE("emu conv_native forward: bit for bit its serial definition, close to conv2d", "[emu][conv_native]") {
  Rng rng(52);
  for (const ConvCase& c : kCases)
    for (NativeMath math : kMaths) {
      const ConvDesc d = desc_of(c);
      const auto x = random_floats(size_t(d.in_elems()), rng), w = random_floats(size_t(d.weight_elems()), rng);
      std::vector<float> y(size_t(d.out_elems()), -7.f), serial(y.size()), ref(y.size());
      kern::conv_native_forward_emu(d, x.data(), w.data(), y.data(), math);
      serial_igemm(kern::native::ConvForward{d, x.data(), w.data(), serial.data()}, math, 1, k_tile(math));
      kern::conv2d_forward_cpu<float>(d, x.data(), w.data(), nullptr, ref.data());
      INFO(kern::describe_conv(d) << " " << kern::native_math_name(math));
      CHECK(mismatches(y, serial) == 0);
      CHECK(rel_max(y, ref) < (math == NativeMath::F32 ? 1e-5 : 2e-2));
    }
}

TEST_CASE("emu conv_native data gradient: accumulates its serial definition, close to conv2d", "[emu][conv_native]") {
  Rng rng(53);
  for (const ConvCase& c : kCases)
    for (NativeMath math : kMaths) {
      const ConvDesc d = desc_of(c);
      const auto dy = random_floats(size_t(d.out_elems()), rng), w = random_floats(size_t(d.weight_elems()), rng);
      const auto dx0 = random_floats(size_t(d.in_elems()), rng);  // backward accumulates
      std::vector<float> dx = dx0, serial = dx0, ref = dx0;
      kern::conv_native_backward_data_emu(d, dy.data(), w.data(), dx.data(), math);
      serial_igemm(kern::native::ConvBackwardData{d, dy.data(), w.data(), serial.data()}, math, 1, k_tile(math));
      kern::conv2d_backward_data_cpu<float>(d, dy.data(), w.data(), ref.data());
      INFO(kern::describe_conv(d) << " " << kern::native_math_name(math));
      CHECK(mismatches(dx, serial) == 0);
      CHECK(rel_max(dx, ref) < (math == NativeMath::F32 ? 1e-5 : 2e-2));
    }
}

TEST_CASE("emu conv_native weight gradient: split-K partials reduced in order, close to conv2d",
          "[emu][conv_native]") {
  Rng rng(54);
  for (const ConvCase& c : kCases)
    for (NativeMath math : kMaths)
      for (int splits : {1, 3}) {
        const ConvDesc d = desc_of(c);
        const auto x = random_floats(size_t(d.in_elems()), rng), dy = random_floats(size_t(d.out_elems()), rng);
        const auto dw0 = random_floats(size_t(d.weight_elems()), rng);
        std::vector<float> dw = dw0, ref = dw0;
        kern::conv_native_backward_weight_emu(d, x.data(), dy.data(), dw.data(), math, splits);
        // Serial: the same partials, then dw += p0 + p1 + ... in split order.
        std::vector<float> partial(size_t(splits) * size_t(d.weight_elems()));
        serial_igemm(kern::native::ConvBackwardWeight{d, x.data(), dy.data(), partial.data()}, math, splits,
                     k_tile(math));
        std::vector<float> serial = dw0;
        for (size_t i = 0; i < serial.size(); ++i) {
          float s = partial[i];
          for (int k = 1; k < splits; ++k) s += partial[size_t(k) * serial.size() + i];
          serial[i] += s;
        }
        kern::conv2d_backward_weight_cpu<float>(d, x.data(), dy.data(), ref.data(), nullptr);
        INFO(kern::describe_conv(d) << " " << kern::native_math_name(math) << " splits " << splits);
        CHECK(mismatches(dw, serial) == 0);
        CHECK(rel_max(dw, ref) < (math == NativeMath::F32 ? 1e-5 : 2e-2));
      }
}

TEST_CASE("emu conv_native: results do not depend on the thread, warp and block schedule", "[emu][conv_native]") {
  Rng rng(55);
  const ConvDesc d = kern::make_conv_desc(1, 9, 7, 40, 70, 3, 2);
  const auto x = random_floats(size_t(d.in_elems()), rng), w = random_floats(size_t(d.weight_elems()), rng);
  const auto dy = random_floats(size_t(d.out_elems()), rng);
  for (NativeMath math : kMaths) {
    std::vector<float> y0, dx0, dw0;
    for (const EmuOptions& opt : {EmuOptions{Schedule::InOrder, 1}, EmuOptions{Schedule::Reversed, 1},
                                  EmuOptions{Schedule::Shuffled, 5}}) {
      std::vector<float> y(size_t(d.out_elems())), dx(size_t(d.in_elems()), 0.f), dw(size_t(d.weight_elems()), 0.f);
      kern::conv_native_forward_emu(d, x.data(), w.data(), y.data(), math, opt);
      kern::conv_native_backward_data_emu(d, dy.data(), w.data(), dx.data(), math, opt);
      kern::conv_native_backward_weight_emu(d, x.data(), dy.data(), dw.data(), math, 2, opt);
      if (y0.empty()) y0 = y, dx0 = dx, dw0 = dw;
      INFO(kern::native_math_name(math) << " schedule " << int(opt.schedule));
      CHECK(mismatches(y, y0) == 0);
      CHECK(mismatches(dx, dx0) == 0);
      CHECK(mismatches(dw, dw0) == 0);
    }
  }
}

TEST_CASE("conv_native: split-K heuristic and unsupported shapes", "[conv_native]") {
  // A skinny HRNet weight gradient (W32 branch 1, 64x48 map, batch 32: 98304 rows, 32 x 288
  // outputs = 5 tiles) gets many splits; a tiny one gets one.
  const ConvDesc big = kern::make_conv_desc(32, 64, 48, 32, 32, 3, 1);
  CHECK(kern::conv_native_wgrad_splits(big) > 16);
  CHECK(kern::conv_native_wgrad_splits(kern::make_conv_desc(1, 3, 3, 4, 4, 3, 1)) == 1);
  CHECK(kern::conv_native_wgrad_workspace_bytes(big, 4) == 4 * 32 * 288 * 4);

  float dummy[64] = {};
  ConvDesc even = kern::make_conv_desc(1, 4, 4, 2, 2, 2, 1);
  CHECK_THROWS_WITH(kern::conv_native_forward_emu(even, dummy, dummy, dummy, NativeMath::F32),
                    Catch::Contains("conv_native_forward_emu") && Catch::Contains("odd"));
  ConvDesc s3 = kern::make_conv_desc(1, 4, 4, 2, 2, 3, 3);
  CHECK_THROWS_WITH(kern::conv_native_backward_data_emu(s3, dummy, dummy, dummy, NativeMath::BF16),
                    Catch::Contains("stride must be 1 or 2") && Catch::Contains("w [2, 3, 3, 2]"));
  // The data gradient's N is Cin: past 65535 tiles of 64 the grid's y limit refuses it before
  // anything is read (the pointers are never touched).
  const ConvDesc wide = kern::make_conv_desc(1, 1, 1, 64 * 65535 + 1, 1, 1, 1);
  CHECK_THROWS_WITH(kern::conv_native_backward_data_emu(wide, dummy, dummy, dummy, NativeMath::F32),
                    Catch::Contains("beyond the launch limits"));
  ConvDesc ok = kern::make_conv_desc(1, 2, 2, 1, 1, 1, 1);
  CHECK_THROWS_WITH(kern::conv_native_backward_weight_emu(ok, dummy, dummy, dummy, NativeMath::F32, 65),
                    Catch::Contains("split-K factor 65"));
}

TEST_CASE("emu conv_native fused epilogue: an inference exchange unit as two accumulating convolutions",
          "[emu][conv_native]") {
  // Output branch 1 of a three-branch unit at odd sizes: branch 0 is 12x9, branch 1 6x5,
  // branch 2 3x3 (its 2x upsample, 6x6, is cropped to 6x5). BN folded into scale and shift.
  Rng rng(56);
  const int N = 2, C0 = 4, C1 = 6, C2 = 8;
  const ConvDesc down = kern::make_conv_desc(N, 12, 9, C0, C1, 3, 2);  // -> 6x5
  const ConvDesc up = kern::make_conv_desc(N, 3, 3, C2, C1, 1, 1);     // -> 3x3, broadcast x2
  REQUIRE((down.Ho == 6 && down.Wo == 5));
  const auto x0 = random_floats(size_t(down.in_elems()), rng), w0 = random_floats(size_t(down.weight_elems()), rng);
  const auto x1 = random_floats(size_t(down.out_elems()), rng);
  const auto x2 = random_floats(size_t(up.in_elems()), rng), w2 = random_floats(size_t(up.weight_elems()), rng);
  const auto s0 = random_floats(C1, rng, 0.5, 1.5), b0 = random_floats(C1, rng);
  const auto s2 = random_floats(C1, rng, 0.5, 1.5), b2 = random_floats(C1, rng);

  // Reference: the unfused sequence on the CPU.
  std::vector<float> t0(size_t(down.out_elems())), t2(size_t(up.out_elems())), ref(x1.size());
  kern::conv2d_forward_cpu<float>(down, x0.data(), w0.data(), nullptr, t0.data());
  kern::conv2d_forward_cpu<float>(up, x2.data(), w2.data(), nullptr, t2.data());
  for (int n = 0; n < N; ++n)
    for (int h = 0; h < 6; ++h)
      for (int w = 0; w < 5; ++w)
        for (int c = 0; c < C1; ++c) {
          const size_t i = size_t(((n * 6 + h) * 5 + w) * C1 + c);
          const size_t j = size_t(((n * 3 + h / 2) * 3 + w / 2) * C1 + c);
          const float v = x1[i] + (t0[i] * s0[size_t(c)] + b0[size_t(c)]) + (t2[j] * s2[size_t(c)] + b2[size_t(c)]);
          ref[i] = v > 0.f ? v : 0.f;
        }

  for (NativeMath math : kMaths) {
    INFO(kern::native_math_name(math));
    std::vector<float> out = x1;  // the identity term
    kern::native::ConvEpilogue e0;
    e0.scale = s0.data();
    e0.shift = b0.data();
    e0.accumulate = true;
    kern::conv_native_forward_fused_emu(down, x0.data(), w0.data(), out.data(), math, e0);
    kern::native::ConvEpilogue e2 = e0;
    e2.scale = s2.data();
    e2.shift = b2.data();
    e2.relu = true;
    e2.up = 1;
    e2.out_H = 6;
    e2.out_W = 5;
    kern::conv_native_forward_fused_emu(up, x2.data(), w2.data(), out.data(), math, e2);
    CHECK(rel_max(out, ref) < (math == NativeMath::F32 ? 1e-5 : 2e-2));
    int64_t zeros = 0;
    for (float v : out) zeros += v == 0.f;
    CHECK(zeros > int64_t(out.size()) / 10);  // the ReLU ran
  }

  // A broadcast that cannot fill the output is refused, naming the sizes.
  kern::native::ConvEpilogue bad;
  bad.up = 1;
  bad.out_H = 7;
  bad.out_W = 5;
  std::vector<float> out(size_t(N) * 7 * 5 * C1);
  CHECK_THROWS_WITH(
      kern::conv_native_forward_fused_emu(up, x2.data(), w2.data(), out.data(), NativeMath::F32, bad),
      Catch::Contains("3x3 map broadcast by 2 cannot fill a 7x5 output"));
}

TEST_CASE("emu conv_native fused prologue: BN + ReLU of the input applied as it is gathered", "[emu][conv_native]") {
  // The forward and the weight gradient reading relu(fmaf(x, scale, shift)) on the fly must
  // equal the same kernels reading that tensor materialized, bit for bit; the padding stays 0
  // (a shift applied to it would change every border output).
  Rng rng(57);
  for (const ConvCase& c : {ConvCase{2, 9, 7, 5, 7, 3, 1}, ConvCase{1, 12, 9, 19, 33, 3, 2}, ConvCase{1, 7, 5, 33, 18, 1, 1}})
    for (NativeMath math : kMaths) {
      const ConvDesc d = desc_of(c);
      INFO(kern::describe_conv(d) << " " << kern::native_math_name(math));
      const auto x = random_floats(size_t(d.in_elems()), rng), w = random_floats(size_t(d.weight_elems()), rng);
      const auto dy = random_floats(size_t(d.out_elems()), rng);
      const auto scale = random_floats(size_t(d.Cin), rng, 0.5, 1.5), shift = random_floats(size_t(d.Cin), rng);
      kern::native::ConvPrologue pro;
      pro.scale = scale.data();
      pro.shift = shift.data();
      pro.relu = true;
      std::vector<float> xt(x.size());
      for (size_t i = 0; i < x.size(); ++i) xt[i] = pro.apply(x[i], int(i % size_t(d.Cin)));

      std::vector<float> y(size_t(d.out_elems())), y_ref(y.size());
      kern::conv_native_forward_fused_emu(d, x.data(), w.data(), y.data(), math, pro, kern::native::ConvEpilogue{});
      kern::conv_native_forward_emu(d, xt.data(), w.data(), y_ref.data(), math);
      CHECK(mismatches(y, y_ref) == 0);

      std::vector<float> dw(size_t(d.weight_elems()), 0.f), dw_ref(dw.size(), 0.f);
      kern::conv_native_backward_weight_fused_emu(d, x.data(), dy.data(), dw.data(), math, pro, 2);
      kern::conv_native_backward_weight_emu(d, xt.data(), dy.data(), dw_ref.data(), math, 2);
      CHECK(mismatches(dw, dw_ref) == 0);
    }
}

TEST_CASE("conv_native bf16 staging: every slot once, each warp's stores on 32 different banks", "[conv_native]") {
  using Block = kern::native::IgemmBf16Block<kern::native::ConvForward>;
  for (bool k_fast : {true, false}) {
    INFO("k_fast " << k_fast);
    std::vector<int> seen(64 * 16, 0);
    for (int warp = 0; warp < 32; ++warp) {
      std::set<int> banks;
      for (int lane = 0; lane < 32; ++lane) {
        int r = -1, kp = -1;
        Block::stage_slot(warp * 32 + lane, k_fast, r, kp);
        REQUIRE((r >= 0 && r < 64 && kp >= 0 && kp < 16));
        ++seen[size_t(r * 16 + kp)];
        banks.insert((r * Block::kLdw + kp) % 32);
      }
      CHECK(banks.size() == 32);
    }
    for (int v : seen) CHECK(v == 1);
  }
}

TEST_CASE("emu conv_native: the pipelined bf16 version computes the simple one's bits", "[emu][conv_native]") {
  Rng rng(58);
  for (const ConvCase& c : kCases) {
    const ConvDesc d = desc_of(c);
    INFO(kern::describe_conv(d));
    const auto x = random_floats(size_t(d.in_elems()), rng), w = random_floats(size_t(d.weight_elems()), rng);
    const auto dy = random_floats(size_t(d.out_elems()), rng);
    std::vector<float> y1(size_t(d.out_elems())), y2(y1.size()), dx1(size_t(d.in_elems()), 0.f), dx2 = dx1;
    std::vector<float> dw1(size_t(d.weight_elems()), 0.f), dw2 = dw1;
    for (auto [math, y, dx, dw] : {std::tuple{NativeMath::BF16, &y1, &dx1, &dw1},
                                   std::tuple{NativeMath::BF16Pipelined, &y2, &dx2, &dw2}}) {
      kern::conv_native_forward_emu(d, x.data(), w.data(), y->data(), math);
      kern::conv_native_backward_data_emu(d, dy.data(), w.data(), dx->data(), math);
      kern::conv_native_backward_weight_emu(d, x.data(), dy.data(), dw->data(), math, 3);
    }
    CHECK(mismatches(y1, y2) == 0);
    CHECK(mismatches(dx1, dx2) == 0);
    CHECK(mismatches(dw1, dw2) == 0);
  }
}

TEST_CASE("emu conv_native fused statistics: the forward's epilogue gives the batch mean and variance",
          "[emu][conv_native]") {
  Rng rng(59);
  // Rows across several 64-row tiles and a partial one; channels across the 64-wide tiles.
  for (const ConvCase& c : {ConvCase{2, 9, 7, 5, 7, 3, 1}, ConvCase{1, 12, 9, 19, 70, 3, 2}, ConvCase{3, 8, 6, 33, 18, 1, 1}})
    for (NativeMath math : kMaths) {
      const ConvDesc d = desc_of(c);
      INFO(kern::describe_conv(d) << " " << kern::native_math_name(math));
      const auto x = random_floats(size_t(d.in_elems()), rng), w = random_floats(size_t(d.weight_elems()), rng);
      std::vector<float> y(size_t(d.out_elems())), y_plain(y.size());
      std::vector<double> mean(size_t(d.Cout)), var(size_t(d.Cout));
      kern::conv_native_forward_stats_emu(d, x.data(), w.data(), y.data(), math, mean.data(), var.data());
      kern::conv_native_forward_emu(d, x.data(), w.data(), y_plain.data(), math);
      CHECK(mismatches(y, y_plain) == 0);  // the statistics do not change the output
      // The two-pass definition over the stored output, in double.
      for (int co = 0; co < d.Cout; ++co) {
        double s = 0, m2 = 0;
        for (int64_t r = 0; r < d.rows(); ++r) s += y[size_t(r * d.Cout + co)];
        const double m = s / double(d.rows());
        for (int64_t r = 0; r < d.rows(); ++r) {
          const double dv = y[size_t(r * d.Cout + co)] - m;
          m2 += dv * dv;
        }
        const double v = m2 / double(d.rows());
        CHECK(std::abs(mean[size_t(co)] - m) < 1e-12 * (std::abs(m) + std::sqrt(v)));
        CHECK(std::abs(var[size_t(co)] - v) < 1e-12 * v);
      }
    }
}

TEST_CASE("emu ldmatrix.x4: every lane gets its fragment words by the documented layout", "[emu]") {
  std::vector<uint32_t> in(128), out(128, 0xdeadbeefu);
  for (uint32_t i = 0; i < 128; ++i) in[i] = 0x10000u * i + 7u;
  kern::ldmatrix_probe_emu(in.data(), out.data());
  namespace L = emu::mma16816;
  for (int lane = 0; lane < 32; ++lane)
    for (int j = 0; j < 4; ++j) {
      // Matrix j holds rows (j & 1 ? 8 : 0) + 0..7 and words (j & 2 ? 4 : 0) + 0..3 of the tile;
      // the lane receives (row lane / 4, word lane % 4): the A fragment's register j.
      const int row = L::a_row(lane, 2 * j), word = L::a_col(lane, 2 * j) / 2;
      INFO("lane " << lane << " register " << j);
      CHECK(out[size_t(lane * 4 + j)] == in[size_t(row * 8 + word)]);
    }
}

namespace {
// ldmatrix with every lane's row address one word off: 4-byte but not 16-byte aligned.
struct MisalignedLdmatrixBody {
  template <typename Ctx>
  static void run(Ctx& ctx, const int&) {
    emu::SharedArray<uint32_t> s = ctx.template shared<uint32_t>(160);
    auto addr = ctx.template regs<int, 1>();
    auto d = ctx.template regs<uint32_t, 4>();
    ctx.for_each_thread([&](emu::Thread t) {
      for (int i = t.id; i < 160; i += 32) s[i] = uint32_t(i);
    });
    ctx.barrier();
    ctx.for_each_thread([&](emu::Thread t) { addr[t][0] = (t.id % 8) * 8 + 1; });
    ctx.ldmatrix_x4(d, 0, s, addr, 0);
    ctx.end_block();
  }
};
}  // namespace

TEST_CASE("emu ldmatrix: a row address that is not 16-byte aligned is an error", "[emu]") {
  CHECK_THROWS_WITH(emu::run_grid<MisalignedLdmatrixBody>(emu::Dim3{1, 1, 1}, emu::Dim3{32, 1, 1}, 160 * 4, 0),
                    Catch::Contains("16-byte aligned"));
}
