// Fused multi-tensor optimizer steps: one launch for all parameters. The host builds a table
// of tensors and of chunks (kChunk elements of one tensor each), uploads it through a pinned
// staging buffer with cudaMemcpyAsync, and block b updates chunk b. Per-element arithmetic is
// adam_update / sgd_update from optim.h, the CPU's.
#include <cstring>
#include <mutex>

#include "kernels/common/cuda_check.h"
#include "kernels/optim/optim.h"

namespace hr::kern {
namespace {

constexpr int64_t kChunk = int64_t(1) << 16;
constexpr int kBlock = 256;

struct Chunk {
  int64_t tensor;
  int64_t start;
};

template <typename Args, typename F>
__global__ void multi_tensor(const Args* tensors, const Chunk* chunks, F f) {
  const Chunk ch = chunks[blockIdx.x];
  const Args t = tensors[ch.tensor];
  const int64_t end = ch.start + kChunk < t.n ? ch.start + kChunk : t.n;
  for (int64_t i = ch.start + threadIdx.x; i < end; i += kBlock) f(t, i);
}

struct AdamOp {
  float b1, b2, wd;
  bool decay;
  double eps;
  __device__ void operator()(const AdamTensorArgs& t, int64_t i) const {
    adam_update(t.p[i], t.g[i], t.m[i], t.v[i], b1, b2, wd, decay, t.step_size, t.sqrt_bc2, eps);
  }
};

struct SgdOp {
  float lr, mu, damp, wd;
  bool decay, momentum, nesterov;
  __device__ void operator()(const SgdTensorArgs& t, int64_t i) const {
    sgd_update(t.p[i], t.g[i], momentum ? t.buf + i : nullptr, lr, mu, damp, wd, decay, momentum, nesterov,
               t.first_step);
  }
};

// Page-locked staging for the tables. Before it is overwritten, the previous upload must
// have been read by the copy engine: the event recorded after that copy says so.
struct Staging {
  std::mutex m;
  void* host = nullptr;
  size_t capacity = 0;
  cudaEvent_t copied = nullptr;
};
Staging& staging() {
  static Staging* s = new Staging;  // leaked on purpose: no cudaFreeHost after CUDA shutdown
  return *s;
}

void* upload(const std::vector<unsigned char>& bytes, Workspace& ws, Stream stream) {
  Staging& st = staging();
  std::lock_guard<std::mutex> lk(st.m);
  if (st.copied) cuda_check(cudaEventSynchronize(st.copied), "cudaEventSynchronize (optimizer table)");
  else cuda_check(cudaEventCreateWithFlags(&st.copied, cudaEventDisableTiming), "cudaEventCreateWithFlags");
  if (st.capacity < bytes.size()) {
    if (st.host) cuda_check(cudaFreeHost(st.host), "cudaFreeHost (optimizer table)");
    st.host = nullptr;
    st.capacity = 0;
    cuda_check(cudaHostAlloc(&st.host, bytes.size(), cudaHostAllocDefault), "cudaHostAlloc (optimizer table)",
               [&] { return std::to_string(bytes.size()) + " bytes"; });
    st.capacity = bytes.size();
  }
  std::memcpy(st.host, bytes.data(), bytes.size());
  void* dev = ws.get(bytes.size());
  cuda_check(cudaMemcpyAsync(dev, st.host, bytes.size(), cudaMemcpyHostToDevice, stream),
             "cudaMemcpyAsync (optimizer table)");
  cuda_check(cudaEventRecord(st.copied, stream), "cudaEventRecord (optimizer table)");
  return dev;
}

template <typename Args, typename F>
void launch(const std::vector<Args>& tensors, F f, Workspace& ws, Stream stream, const char* what) {
  std::vector<Chunk> chunks;
  for (size_t t = 0; t < tensors.size(); ++t)
    for (int64_t s = 0; s < tensors[t].n; s += kChunk) chunks.push_back({int64_t(t), s});
  if (chunks.empty()) return;
  // One upload: the tensor table, then the chunk table at a 16-byte aligned offset.
  const size_t tbytes = tensors.size() * sizeof(Args), off = (tbytes + 15) / 16 * 16;
  std::vector<unsigned char> table(off + chunks.size() * sizeof(Chunk));
  std::memcpy(table.data(), tensors.data(), tbytes);
  std::memcpy(table.data() + off, chunks.data(), chunks.size() * sizeof(Chunk));
  auto* dev = static_cast<unsigned char*>(upload(table, ws, stream));
  multi_tensor<<<unsigned(chunks.size()), kBlock, 0, stream>>>(reinterpret_cast<const Args*>(dev),
                                                               reinterpret_cast<const Chunk*>(dev + off), f);
  cuda_check(cudaGetLastError(), what, [&] {
    return std::to_string(tensors.size()) + " tensors in " + std::to_string(chunks.size()) + " chunks";
  });
}

}  // namespace

void adam_multi_tensor_cuda(const std::vector<AdamTensorArgs>& tensors, const AdamHyper& h, Workspace& ws,
                            Stream stream) {
  const AdamOp op{float(h.beta1), float(h.beta2), float(h.weight_decay), h.weight_decay != 0.0, h.eps};
  launch(tensors, op, ws, stream, "adam_multi_tensor_cuda");
}

void sgd_multi_tensor_cuda(const std::vector<SgdTensorArgs>& tensors, const SgdHyper& h, Workspace& ws,
                           Stream stream) {
  const SgdOp op{float(h.lr), float(h.momentum), float(h.dampening), float(h.weight_decay), h.weight_decay != 0.0,
                 h.momentum != 0.0, h.nesterov};
  launch(tensors, op, ws, stream, "sgd_multi_tensor_cuda");
}

}  // namespace hr::kern
