// Convolutions through cuDNN's legacy API in NHWC: activations CUDNN_TENSOR_NHWC, weights
// [Cout][K][K][Cin] are exactly cuDNN's NHWC filter layout (KRSC). For every shape, pass and
// math mode the algorithm is chosen once by cudnnFind*AlgorithmEx (real timing on the real
// buffers) and cached with its descriptors; later calls only run it.
#include <cuda_runtime.h>

#include <map>
#include <mutex>
#include <tuple>

#include "kernels/common/cuda_check.h"
#include "kernels/common/math_mode.h"
#include "kernels/cudnn/conv_lib.h"

namespace hr::kern::lib {
namespace {

// Scratch offered to the algorithm search: algorithms that need more are skipped by cuDNN.
constexpr size_t kFindWorkspaceBytes = size_t(256) << 20;

enum class Pass { Forward, BackwardData, BackwardFilter };
const char* pass_name(Pass p) {
  return p == Pass::Forward ? "forward" : p == Pass::BackwardData ? "backward data" : "backward filter";
}

struct Plan {
  cudnnTensorDescriptor_t x = nullptr, y = nullptr;
  cudnnFilterDescriptor_t w = nullptr;
  cudnnConvolutionDescriptor_t conv = nullptr;
  int algo = -1;
  size_t workspace = 0;
};

using Key = std::tuple<int, int, int, int, int, int, int, int, int, bool>;

struct PlanCache {
  std::mutex m;
  std::map<Key, Plan> plans;  // never erased: descriptors live for the process
};
PlanCache& plan_cache() {
  static PlanCache* c = new PlanCache;  // leaked on purpose: no destruction after CUDA shutdown
  return *c;
}

void make_descriptors(const ConvDesc& d, Plan& p) {
  auto what = [&] { return describe_conv(d); };
  cudnn_check(cudnnCreateTensorDescriptor(&p.x), "cudnnCreateTensorDescriptor", what);
  cudnn_check(cudnnCreateTensorDescriptor(&p.y), "cudnnCreateTensorDescriptor", what);
  cudnn_check(cudnnCreateFilterDescriptor(&p.w), "cudnnCreateFilterDescriptor", what);
  cudnn_check(cudnnCreateConvolutionDescriptor(&p.conv), "cudnnCreateConvolutionDescriptor", what);
  cudnn_check(cudnnSetTensor4dDescriptor(p.x, CUDNN_TENSOR_NHWC, CUDNN_DATA_FLOAT, d.N, d.Cin, d.H, d.W),
              "cudnnSetTensor4dDescriptor(x)", what);
  cudnn_check(cudnnSetTensor4dDescriptor(p.y, CUDNN_TENSOR_NHWC, CUDNN_DATA_FLOAT, d.N, d.Cout, d.Ho, d.Wo),
              "cudnnSetTensor4dDescriptor(y)", what);
  cudnn_check(cudnnSetFilter4dDescriptor(p.w, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NHWC, d.Cout, d.Cin, d.K, d.K),
              "cudnnSetFilter4dDescriptor", what);
  cudnn_check(cudnnSetConvolution2dDescriptor(p.conv, d.pad(), d.pad(), d.stride, d.stride, 1, 1,
                                              CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT),
              "cudnnSetConvolution2dDescriptor", what);
  // FMA math keeps fp32 products exact (no TF32); math_mode.h's switch allows tensor ops.
  cudnn_check(cudnnSetConvolutionMathType(p.conv, cuda_tf32() ? CUDNN_DEFAULT_MATH : CUDNN_FMA_MATH),
              "cudnnSetConvolutionMathType", what);
}

// The fastest usable result of a Find call; with TF32 off, tensor-op results are not usable.
template <typename Perf>
const Perf* pick(const Perf* results, int n) {
  for (int i = 0; i < n; ++i) {
    const Perf& r = results[i];
    if (r.status != CUDNN_STATUS_SUCCESS) continue;
    if (!cuda_tf32() && (r.mathType == CUDNN_TENSOR_OP_MATH || r.mathType == CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION))
      continue;
    return &r;
  }
  return nullptr;
}

// Search scratch: kFindWorkspaceBytes if the device can spare it, else nothing (cuDNN then
// tries only the algorithms without workspace).
std::pair<void*, size_t> find_scratch(Workspace& ws) {
  try {
    return {ws.get(kFindWorkspaceBytes), kFindWorkspaceBytes};
  } catch (const Error&) {
    return {ws.get(0), 0};
  }
}

template <typename Perf>
void adopt(Plan& p, const Perf* best, const ConvDesc& d, Pass pass) {
  if (!best) throw Error("cuDNN has no usable " + std::string(pass_name(pass)) + " algorithm for " +
                         describe_conv(d) + (cuda_tf32() ? "" : " in fp32 FMA math"));
  p.algo = int(best->algo);
  p.workspace = best->memory;
  if (cuda_tf32())
    cudnn_check(cudnnSetConvolutionMathType(p.conv, best->mathType), "cudnnSetConvolutionMathType",
                [&] { return describe_conv(d); });
}

// The plan of (d, pass), searched on first use. a, b: the call's inputs; out_bytes: the size of
// the output, for which the search gets scratch of its own (backward passes accumulate into
// their real outputs, which a search must not touch).
Plan& plan_for(const ConvDesc& d, Pass pass, const void* a, const void* b, void* out, Workspace& ws,
               Stream stream) {
  int dev = 0;
  cuda_check(cudaGetDevice(&dev), "cudaGetDevice");
  const Key key{dev, d.N, d.H, d.W, d.Cin, d.Cout, d.K, d.stride, int(pass), cuda_tf32()};
  PlanCache& c = plan_cache();
  std::lock_guard<std::mutex> lk(c.m);
  auto it = c.plans.find(key);
  if (it != c.plans.end()) return it->second;

  Plan p;
  make_descriptors(d, p);
  cudnnHandle_t h = cudnn(stream);
  auto what = [&] { return describe_conv(d); };
  const auto [scratch, scratch_bytes] = find_scratch(ws);
  int n = 0;
  if (pass == Pass::Forward) {
    cudnnConvolutionFwdAlgoPerf_t r[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
    cudnn_check(cudnnFindConvolutionForwardAlgorithmEx(h, p.x, a, p.w, b, p.conv, p.y, out,
                                                       CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &n, r, scratch,
                                                       scratch_bytes),
                "cudnnFindConvolutionForwardAlgorithmEx", what);
    adopt(p, pick(r, n), d, pass);
  } else if (pass == Pass::BackwardData) {
    void* dx = ws.get(size_t(d.in_elems()) * sizeof(float));
    cudnnConvolutionBwdDataAlgoPerf_t r[CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT];
    cudnn_check(cudnnFindConvolutionBackwardDataAlgorithmEx(h, p.w, b, p.y, a, p.conv, p.x, dx,
                                                            CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT, &n, r,
                                                            scratch, scratch_bytes),
                "cudnnFindConvolutionBackwardDataAlgorithmEx", what);
    adopt(p, pick(r, n), d, pass);
  } else {
    void* dw = ws.get(size_t(d.weight_elems()) * sizeof(float));
    cudnnConvolutionBwdFilterAlgoPerf_t r[CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT];
    cudnn_check(cudnnFindConvolutionBackwardFilterAlgorithmEx(h, p.x, a, p.y, b, p.conv, p.w, dw,
                                                              CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT, &n, r,
                                                              scratch, scratch_bytes),
                "cudnnFindConvolutionBackwardFilterAlgorithmEx", what);
    adopt(p, pick(r, n), d, pass);
  }
  return c.plans.emplace(key, p).first->second;
}

}  // namespace

void cudnn_conv_forward(const ConvDesc& d, const float* x, const float* w, float* y, Workspace& ws,
                        Stream stream) {
  const Plan& p = plan_for(d, Pass::Forward, x, w, y, ws, stream);
  const float one = 1.0f, zero = 0.0f;
  cudnn_check(cudnnConvolutionForward(cudnn(stream), &one, p.x, x, p.w, w, p.conv,
                                      cudnnConvolutionFwdAlgo_t(p.algo), ws.get(p.workspace), p.workspace,
                                      &zero, p.y, y),
              "cudnnConvolutionForward", [&] { return describe_conv(d); });
}

void cudnn_conv_backward_data(const ConvDesc& d, const float* dy, const float* w, float* dx, Workspace& ws,
                              Stream stream) {
  const Plan& p = plan_for(d, Pass::BackwardData, dy, w, dx, ws, stream);
  const float one = 1.0f;  // beta 1: accumulate into dx, the engine's backward contract
  cudnn_check(cudnnConvolutionBackwardData(cudnn(stream), &one, p.w, w, p.y, dy, p.conv,
                                           cudnnConvolutionBwdDataAlgo_t(p.algo), ws.get(p.workspace),
                                           p.workspace, &one, p.x, dx),
              "cudnnConvolutionBackwardData", [&] { return describe_conv(d); });
}

void cudnn_conv_backward_filter(const ConvDesc& d, const float* x, const float* dy, float* dw, Workspace& ws,
                                Stream stream) {
  const Plan& p = plan_for(d, Pass::BackwardFilter, x, dy, dw, ws, stream);
  const float one = 1.0f;
  cudnn_check(cudnnConvolutionBackwardFilter(cudnn(stream), &one, p.x, x, p.y, dy, p.conv,
                                             cudnnConvolutionBwdFilterAlgo_t(p.algo), ws.get(p.workspace),
                                             p.workspace, &one, p.w, dw),
              "cudnnConvolutionBackwardFilter", [&] { return describe_conv(d); });
}

}  // namespace hr::kern::lib
