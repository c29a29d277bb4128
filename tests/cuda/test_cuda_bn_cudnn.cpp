// Our batch norm on the GPU (kernels/batchnorm/cuda.cu) against cuDNN's (kernels/cudnn/bn_lib.h),
// the baseline hrnet-bench kernels times it against, in the three fused modes HRNet uses.
// cuDNN sums its statistics in float, ours in double: agreement to float rounding of sums.
#include <catch2/catch.hpp>

#include <vector>

#include "engine/cuda/device.h"
#include "kernels/batchnorm/batchnorm.h"
#include "kernels/cudnn/bn_lib.h"
#include "tests/cuda/parity.h"

using namespace hr;
using test::rel_max_diff;

TEST_CASE("CUDA batch norm: ours equals cuDNN's (BN, BN + ReLU, BN + add + ReLU), forward and backward", "[cuda]") {
  Rng rng(91);
  const int64_t rows = 3 * 12 * 9;
  const int C = 40;
  const double eps = 1e-5, momentum = 0.1, tol = 1e-4;
  const Shape xs{rows, C}, cs{C};
  const Tensor x = randn(xs, rng, 2.0).to(Device::CUDA), res = randn(xs, rng).to(Device::CUDA);
  const Tensor dy = randn(xs, rng).to(Device::CUDA);
  const Tensor g = rand_uniform(cs, rng, 0.5, 1.5).to(Device::CUDA), b = randn(cs, rng).to(Device::CUDA);
  const Tensor rm0 = randn(cs, rng), rv0 = rand_uniform(cs, rng, 0.5, 2.0);
  struct Mode {
    const char* name;
    bool relu, residual;
  };
  for (const Mode& m : {Mode{"bn", false, false}, Mode{"bn relu", true, false}, Mode{"bn add relu", true, true}}) {
    INFO(m.name);
    struct Out {
      Tensor y, rm, rv, sm, si, dx, dg, db, dres;
    };
    auto make = [&] {
      Out o;
      o.y = Tensor::empty(xs, DType::f32, Device::CUDA);
      o.rm = rm0.to(Device::CUDA), o.rv = rv0.to(Device::CUDA);
      o.sm = Tensor::empty(cs, DType::f32, Device::CUDA), o.si = Tensor::empty(cs, DType::f32, Device::CUDA);
      o.dx = Tensor::zeros(xs, DType::f32, Device::CUDA), o.dres = Tensor::zeros(xs, DType::f32, Device::CUDA);
      o.dg = Tensor::zeros(cs, DType::f32, Device::CUDA), o.db = Tensor::zeros(cs, DType::f32, Device::CUDA);
      return o;
    };
    const kern::BnAct<float> act{m.residual ? res.data<float>() : nullptr, m.relu};
    const kern::Stream s = cuda::compute_stream();
    Out ours = make(), lib = make();
    {
      cuda::DeviceWorkspace ws;
      kern::bn_forward_train_cuda(rows, C, x.data<float>(), g.data<float>(), b.data<float>(), eps, momentum,
                                  ours.y.data<float>(), ours.rm.data<float>(), ours.rv.data<float>(),
                                  ours.sm.data<float>(), ours.si.data<float>(), ws, s, act);
      kern::bn_backward_train_cuda(rows, C, x.data<float>(), dy.data<float>(), g.data<float>(), ours.sm.data<float>(),
                                   ours.si.data<float>(), ours.dx.data<float>(), ours.dg.data<float>(),
                                   ours.db.data<float>(), ws, s, m.relu ? ours.y.data<float>() : nullptr,
                                   m.residual ? ours.dres.data<float>() : nullptr);
    }
    {
      cuda::DeviceWorkspace ws;  // holds cuDNN's reserve from the forward to the backward
      kern::lib::CudnnBnReserve keep;
      kern::lib::cudnn_bn_forward_train(rows, C, x.data<float>(), g.data<float>(), b.data<float>(), eps, momentum,
                                        lib.y.data<float>(), lib.rm.data<float>(), lib.rv.data<float>(),
                                        lib.sm.data<float>(), lib.si.data<float>(), act, ws, s, &keep);
      kern::lib::cudnn_bn_backward_train(rows, C, x.data<float>(), lib.y.data<float>(), dy.data<float>(),
                                         g.data<float>(), b.data<float>(), lib.sm.data<float>(), lib.si.data<float>(),
                                         eps, lib.dx.data<float>(), lib.dg.data<float>(), lib.db.data<float>(),
                                         m.residual ? lib.dres.data<float>() : nullptr, m.relu, keep, ws, s);
    }
    CHECK(rel_max_diff(ours.y, lib.y) < tol);
    CHECK(rel_max_diff(ours.sm, lib.sm) < tol);
    CHECK(rel_max_diff(ours.si, lib.si) < tol);
    CHECK(rel_max_diff(ours.rm, lib.rm) < tol);
    CHECK(rel_max_diff(ours.rv, lib.rv) < tol);  // both: the unbiased variance in the running estimate
    CHECK(rel_max_diff(ours.dx, lib.dx) < tol);
    CHECK(rel_max_diff(ours.dg, lib.dg) < tol);
    CHECK(rel_max_diff(ours.db, lib.db) < tol);
    if (m.residual) CHECK(rel_max_diff(ours.dres, lib.dres) < tol);
  }
}
