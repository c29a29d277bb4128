// The block bodies of the CUDA batch norm (all but the one-pass statistics, which are in
// moments_block.h), written for the grid emulator (docs/kernels.md): nvcc runs them through
// emu::launch, CI through emu::run_grid against the CPU kernels (bn_run.h is the launch
// sequence both use). The per-element arithmetic is batchnorm.h's HR_HD functions, the CPU's.
//
// Three shapes of body:
// - elementwise (apply, train dx, eval dx): one element per thread over a 1-D grid capped at
//   kMaxBlocks blocks, with a grid-stride loop beyond that (the cap keeps grid.x far below
//   CUDA's limit: about 4 waves of 8 resident blocks per SM on a 132-SM H100; the stride is
//   block-uniform);
// - per channel (finishing the statistics, eval invstd, finishing the gradient sums): one
//   thread per channel;
// - the chunked gradient reduction: block (32 channels, 8 row lanes) sums one chunk of rows
//   (row_chunks.h) in double, lanes added in lane order; the finishing body adds the chunks
//   in chunk order. No atomics: every result depends only on the shape.
#pragma once
#include <cstdint>

#include "kernels/batchnorm/batchnorm.h"
#include "kernels/common/row_chunks.h"
#include "kernels/emu/thread.h"

namespace hr::kern::bn {

// 1-D grids over n elements: the grid-stride loop in the bodies covers what the cap leaves.
struct ElementGrid {
  static constexpr int kThreads = 256;
  static constexpr int64_t kMaxBlocks = 4096;  // ~4 waves of 8 blocks per SM on a 132-SM H100
  static HR_HD emu::Dim3 block() { return emu::Dim3{kThreads, 1, 1}; }
  static HR_HD emu::Dim3 grid(int64_t n) {
    int64_t b = (n + kThreads - 1) / kThreads;
    if (b > kMaxBlocks) b = kMaxBlocks;
    return emu::Dim3{int(b < 1 ? 1 : b), 1, 1};
  }
  static HR_HD int shared_bytes() { return 0; }

  // The whole body of an elementwise kernel: f(i) for this thread's elements.
  template <typename Ctx, typename F>
  static HR_EMU_DEV void for_each_element(Ctx& ctx, int64_t n, const F& f) {
    const int64_t base = int64_t(ctx.block_idx().x) * kThreads;
    const int64_t stride = int64_t(ctx.grid_dim().x) * kThreads;
    ctx.for_each_thread([&](emu::Thread t) {
      for (int64_t i = base + t.id; i < n; i += stride) f(i);
    });
    ctx.end_block();
  }
};

// One thread per channel.
struct ChannelGrid {
  static constexpr int kThreads = 128;
  static HR_HD emu::Dim3 block() { return emu::Dim3{kThreads, 1, 1}; }
  static HR_HD emu::Dim3 grid(int C) { return emu::Dim3{(C + kThreads - 1) / kThreads, 1, 1}; }
  static HR_HD int shared_bytes() { return 0; }

  // The whole body of a per-channel kernel: f(c) for this thread's channel.
  template <typename Ctx, typename F>
  static HR_EMU_DEV void for_each_channel(Ctx& ctx, int C, const F& f) {
    const int c0 = ctx.block_idx().x * kThreads;
    ctx.for_each_thread([&](emu::Thread t) {
      if (c0 + t.id < C) f(c0 + t.id);
    });
    ctx.end_block();
  }
};

// ---- forward -----------------------------------------------------------------------------

struct ApplyParams {
  int64_t n = 0;  // rows * C
  int C = 0;
  const float* x = nullptr;
  const float* mean = nullptr;    // [C] float statistics (training: saved; eval: running mean)
  const float* invstd = nullptr;  // [C]
  const float* gamma = nullptr;
  const float* beta = nullptr;
  BnAct<float> act;
  emu::GlobalPtr<float> y;
};

// y = relu?(bn(x) + residual?)
struct ApplyBlock : ElementGrid {
  static HR_HD emu::Dim3 grid(const ApplyParams& p) { return ElementGrid::grid(p.n); }

  template <typename Ctx>
  static HR_EMU_DEV void run(Ctx& ctx, const ApplyParams& p) {
    for_each_element(ctx, p.n, [&](int64_t i) {
      const int c = int(index_mod(i, p.C));
      p.y[i] = bn_act_apply(bn_apply(p.x[i], p.mean[c], p.invstd[c], p.gamma[c], p.beta[c]), p.act.residual, i,
                            p.act.relu);
    });
  }
};

struct StatsParams {
  int C = 0;
  int64_t rows = 0;
  double eps = 0.0, momentum = 0.0;
  const double* mean = nullptr;  // [C] the one-pass moments (moments_block.h)
  const double* var = nullptr;   // [C] biased
  emu::GlobalPtr<float> save_mean, save_invstd;
  emu::GlobalPtr<float> running_mean, running_var;  // either may be null
};

// The saved statistics and PyTorch's running-statistics update (unbiased variance).
struct StatsBlock : ChannelGrid {
  static HR_HD emu::Dim3 grid(const StatsParams& p) { return ChannelGrid::grid(p.C); }

  template <typename Ctx>
  static HR_EMU_DEV void run(Ctx& ctx, const StatsParams& p) {
    for_each_channel(ctx, p.C, [&](int c) {
      const double unbias = p.rows > 1 ? double(p.rows) / double(p.rows - 1) : 1.0;
      p.save_mean[c] = float(p.mean[c]);
      p.save_invstd[c] = float(bn_invstd(p.var[c], p.eps));
      if (p.running_mean) {
        const float r = p.running_mean[c];
        p.running_mean[c] = bn_running_update(r, p.momentum, p.mean[c]);
      }
      if (p.running_var) {
        const float r = p.running_var[c];
        p.running_var[c] = bn_running_update(r, p.momentum, p.var[c] * unbias);
      }
    });
  }
};

struct EvalInvstdParams {
  int C = 0;
  const float* running_var = nullptr;
  double eps = 0.0;
  emu::GlobalPtr<double> invstd_d;  // either may be null: the backward wants double, the
  emu::GlobalPtr<float> invstd_f;   // forward the float that the CPU's apply uses
};

struct EvalInvstdBlock : ChannelGrid {
  static HR_HD emu::Dim3 grid(const EvalInvstdParams& p) { return ChannelGrid::grid(p.C); }

  template <typename Ctx>
  static HR_EMU_DEV void run(Ctx& ctx, const EvalInvstdParams& p) {
    for_each_channel(ctx, p.C, [&](int c) {
      const double v = bn_invstd(double(p.running_var[c]), p.eps);
      if (p.invstd_d) p.invstd_d[c] = v;
      if (p.invstd_f) p.invstd_f[c] = float(v);
    });
  }
};

// ---- backward ----------------------------------------------------------------------------

struct GradSumsParams {
  int64_t rows = 0;
  int C = 0;
  RowChunks chunks;
  const float* x = nullptr;
  const float* dy = nullptr;
  const float* y_relu = nullptr;     // null: no fused ReLU
  const float* mean = nullptr;       // training: saved mean; eval: running mean
  const float* invstd = nullptr;     // training: saved invstd (float)
  const double* invstd_d = nullptr;  // eval: invstd in double (null in training)
  emu::GlobalPtr<double> partial;    // [chunks][2][C]: sum g, sum g * xhat
};

// Per chunk and channel: sum g and sum g * xhat, g = dy masked by the fused ReLU.
struct GradSumsBlock {
  static constexpr int kTileC = 32, kLanes = 8;
  static HR_HD emu::Dim3 block() { return emu::Dim3{kTileC, kLanes, 1}; }
  static HR_HD emu::Dim3 grid(const GradSumsParams& p) {
    return emu::Dim3{(p.C + kTileC - 1) / kTileC, p.chunks.count, 1};
  }
  static HR_HD int shared_bytes() { return 2 * emu::shared_align(int(sizeof(double)) * kTileC * kLanes); }

  template <typename Ctx>
  static HR_EMU_DEV void run(Ctx& ctx, const GradSumsParams& p) {
    const int c0 = ctx.block_idx().x * kTileC;
    const int chunk = ctx.block_idx().y;
    const int64_t r0 = int64_t(chunk) * p.chunks.rows_per_chunk;
    const int64_t r1 = r0 + p.chunks.rows_per_chunk < p.rows ? r0 + p.chunks.rows_per_chunk : p.rows;
    emu::SharedArray<double> s_g = ctx.template shared<double>(kTileC * kLanes);  // [lane][channel]
    emu::SharedArray<double> s_gx = ctx.template shared<double>(kTileC * kLanes);
    ctx.for_each_thread([&](emu::Thread t) {
      const int c = c0 + t.x;
      double a_g = 0.0, a_gx = 0.0;
      if (c < p.C) {
        const double m = p.mean[c];
        const double is = p.invstd_d ? p.invstd_d[c] : double(p.invstd[c]);
        for (int64_t r = r0 + t.y; r < r1; r += kLanes) {
          const double g = double(bn_act_grad(p.y_relu, p.dy, r * p.C + c));
          a_g += g;
          a_gx += g * ((double(p.x[r * p.C + c]) - m) * is);
        }
      }
      s_g[t.y * kTileC + t.x] = a_g;
      s_gx[t.y * kTileC + t.x] = a_gx;
    });
    ctx.barrier();
    ctx.for_each_thread([&](emu::Thread t) {
      const int c = c0 + t.x;
      if (t.y != 0 || c >= p.C) return;
      double sg = 0.0, sgx = 0.0;
      for (int y = 0; y < kLanes; ++y) {
        const double vg = s_g[y * kTileC + t.x];
        const double vgx = s_gx[y * kTileC + t.x];
        sg += vg;
        sgx += vgx;
      }
      p.partial[(int64_t(chunk) * 2 + 0) * p.C + c] = sg;
      p.partial[(int64_t(chunk) * 2 + 1) * p.C + c] = sgx;
    });
    ctx.end_block();
  }
};

struct GradFinishParams {
  int C = 0;
  int chunks = 0;
  double rows = 0.0;
  const double* partial = nullptr;  // GradSumsBlock's output
  const float* gamma = nullptr;
  const float* invstd = nullptr;    // training: saved invstd (needed with coef)
  emu::GlobalPtr<float> dgamma, dbeta;  // accumulated into; either may be null
  emu::GlobalPtr<double> coef;          // [C][3]: k, mean g, mean g*xhat (training dx); or null
};

// Adds the chunks in chunk order, then dbeta += sum g, dgamma += sum g * xhat; with coef,
// the per-channel coefficients of the training dx formula.
struct GradFinishBlock : ChannelGrid {
  static HR_HD emu::Dim3 grid(const GradFinishParams& p) { return ChannelGrid::grid(p.C); }

  template <typename Ctx>
  static HR_EMU_DEV void run(Ctx& ctx, const GradFinishParams& p) {
    for_each_channel(ctx, p.C, [&](int c) {
      double s_g = 0.0, s_gx = 0.0;
      for (int k = 0; k < p.chunks; ++k) {
        s_g += p.partial[(int64_t(k) * 2 + 0) * p.C + c];
        s_gx += p.partial[(int64_t(k) * 2 + 1) * p.C + c];
      }
      if (p.dbeta) p.dbeta[c] += float(s_g);
      if (p.dgamma) p.dgamma[c] += float(s_gx);
      if (p.coef) {
        p.coef[3 * c] = double(p.gamma[c]) * double(p.invstd[c]);
        p.coef[3 * c + 1] = s_g / p.rows;
        p.coef[3 * c + 2] = s_gx / p.rows;
      }
    });
  }
};

struct TrainDxParams {
  int64_t n = 0;
  int C = 0;
  const float* x = nullptr;
  const float* dy = nullptr;
  const float* y_relu = nullptr;
  const float* mean = nullptr;    // saved
  const float* invstd = nullptr;  // saved
  const double* coef = nullptr;   // GradFinishBlock's (null when dx is)
  emu::GlobalPtr<float> dx, dresidual;  // accumulated into; either may be null
};

// dx += k * (g - mean g - xhat * mean(g * xhat)); dresidual += g.
struct TrainDxBlock : ElementGrid {
  static HR_HD emu::Dim3 grid(const TrainDxParams& p) { return ElementGrid::grid(p.n); }

  template <typename Ctx>
  static HR_EMU_DEV void run(Ctx& ctx, const TrainDxParams& p) {
    for_each_element(ctx, p.n, [&](int64_t i) {
      const int c = int(index_mod(i, p.C));
      const float g = bn_act_grad(p.y_relu, p.dy, i);
      if (p.dresidual) p.dresidual[i] += g;
      if (!p.dx) return;
      const double xhat = (double(p.x[i]) - double(p.mean[c])) * double(p.invstd[c]);
      p.dx[i] += float(p.coef[3 * c] * (double(g) - p.coef[3 * c + 1] - xhat * p.coef[3 * c + 2]));
    });
  }
};

struct EvalDxParams {
  int64_t n = 0;
  int C = 0;
  const float* dy = nullptr;
  const float* y_relu = nullptr;
  const float* gamma = nullptr;
  const double* invstd = nullptr;  // EvalInvstdBlock's, in double
  emu::GlobalPtr<float> dx, dresidual;
};

// Eval BN is an affine map: dx += g * gamma * invstd; dresidual += g.
struct EvalDxBlock : ElementGrid {
  static HR_HD emu::Dim3 grid(const EvalDxParams& p) { return ElementGrid::grid(p.n); }

  template <typename Ctx>
  static HR_EMU_DEV void run(Ctx& ctx, const EvalDxParams& p) {
    for_each_element(ctx, p.n, [&](int64_t i) {
      const int c = int(index_mod(i, p.C));
      const float g = bn_act_grad(p.y_relu, p.dy, i);
      if (p.dresidual) p.dresidual[i] += g;
      if (p.dx) p.dx[i] += float(double(g) * double(p.gamma[c]) * p.invstd[c]);
    });
  }
};

}  // namespace hr::kern::bn
