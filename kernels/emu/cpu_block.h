// The CPU side of the grid emulator: runs a block body written against the execution-context
// interface (see cuda_block.cuh for the GPU side) block by block, thread by thread.
//
// Model. Between two barriers each GPU thread runs its code in program order, and threads
// interleave arbitrarily. The emulator therefore records the per-thread phases of a segment
// (ctx.for_each_thread) and runs them at the barrier (or ctx.end_block()) THREAD-MAJOR: thread
// a runs all its phases of the segment, then thread b, ... in the order the Schedule picks.
// A kernel that reads, without a barrier in between, what another thread wrote gets results
// that depend on the schedule; the tests run every native kernel under several schedules and
// require identical results. Shared memory and registers start as NaN bytes (0xFF), so a read
// before the write shows up too.
//
// Warp collectives (ctx.warp_op, used by the mma.sync emulation in mma.h) need every lane of a
// warp to have reached them: a segment that contains one runs WARP-MAJOR instead. Warps run
// one after another in schedule order; inside a warp the collectives cut the segment into
// pieces, each piece runs thread-major over the warp's lanes (again in schedule order), then
// the collective runs once for the warp. Races between warps stay as visible as before (a
// warp runs its whole segment before the next starts); races between lanes of one warp are
// visible between two collectives.
#pragma once

#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <random>
#include <unordered_map>
#include <vector>

#include "kernels/emu/options.h"
#include "kernels/emu/thread.h"

namespace hr::emu {

// Per-thread register arrays: N values of T for every thread of the block, reached through
// the Thread a phase is given (on the GPU the same code gets the thread's own local array).
template <typename T, int N>
class CpuRegs {
 public:
  explicit CpuRegs(int threads) : v_(std::make_shared<std::vector<T>>(size_t(threads) * N)) {
    std::memset(static_cast<void*>(v_->data()), 0xFF, v_->size() * sizeof(T));
  }
  T* operator[](const Thread& t) const { return v_->data() + size_t(t.id) * N; }

 private:
  std::shared_ptr<std::vector<T>> v_;  // shared: phases capture the handle by reference or copy
};

// The arithmetic of one emulated mma.sync m16n8k16 (cpu_mma.cpp): gathers the warp's A, B
// and C fragments by the documented layouts, computes D = A * B + C with exact products summed
// in double in k order onto C, rounds once to float and scatters D back. Real tensor cores
// sum in an undocumented order and width, so a GPU agrees with this to rounding, not to bits.
void emulate_mma_bf16_16816(const uint32_t* const a[32], const uint32_t* const b[32], float* const d[32]);

class CpuBlock {
 public:
  CpuBlock(Dim3 grid, Dim3 block, int shared_bytes, const EmuOptions& opt);

  // Called by run_grid before each block.
  void begin(Dim3 block_idx);

  Dim3 grid_dim() const { return grid_; }
  Dim3 block_dim() const { return block_; }
  Dim3 block_idx() const { return idx_; }

  // Record a per-thread phase of the current segment; it runs at the next barrier.
  template <typename F>
  void for_each_thread(F&& f) {
    if (in_phase_) fail("for_each_thread inside a per-thread phase");
    pending_.push_back(Step{std::function<void(Thread)>(std::forward<F>(f)), {}});
  }
  // A warp-wide collective (the emulated side of an instruction such as mma.sync that all 32
  // lanes execute together): f(warp) runs once per warp, after the warp's lanes have run the
  // segment's earlier phases. Needs a block of whole warps, as mma.sync does.
  template <typename F>
  void warp_op(F&& f) {
    if (in_phase_) fail("a warp collective inside a per-thread phase (divergent code)");
    if (block_.count() % kWarpSize != 0) fail("a warp collective needs a block of whole warps (32 threads each)");
    pending_.push_back(Step{{}, std::function<void(int)>(std::forward<F>(f))});
  }
  // __syncthreads(): run the segment's phases for every thread, then start a new segment.
  // Calling it inside a phase is a barrier in divergent code (undefined on a GPU): refused.
  void barrier();
  // The end of the block body. Phases still pending run here; a body must call it before
  // returning, because the phases capture the body's locals by reference.
  void end_block() { barrier(); }

  // mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 for every warp: D += A * B, where
  // each lane holds its A fragment in a[t][a_off .. +4), B in b[t][b_off .. +2) (bf16 pairs)
  // and C = D in d[t][d_off .. +4), laid out as mma_layout.h says. Offsets are block-uniform.
  template <typename DRegs, typename ARegs, typename BRegs>
  void mma_bf16_16816(const DRegs& d, int d_off, const ARegs& a, int a_off, const BRegs& b, int b_off) {
    warp_op([d, a, b, d_off, a_off, b_off](int warp) {
      float* dl[kWarpSize];
      const uint32_t* al[kWarpSize];
      const uint32_t* bl[kWarpSize];
      for (int lane = 0; lane < kWarpSize; ++lane) {
        Thread t;
        t.id = warp * kWarpSize + lane;
        dl[lane] = d[t] + d_off;
        al[lane] = a[t] + a_off;
        bl[lane] = b[t] + b_off;
      }
      emulate_mma_bf16_16816(al, bl, dl);
    });
  }

  // ldmatrix.sync.aligned.m8n8.x4.shared.b16 for every warp: lane l names, in
  // addr[t][a_off], the shared word index of row l % 8 of matrix l / 8 (8 b16 = 4 words from
  // there); every lane receives in d[t][d_off + j] the word (row lane / 4, word lane % 4) of
  // matrix j, j = 0..3. The reads go through the race check on behalf of the receiving lane.
  template <typename DRegs, typename ARegs>
  void ldmatrix_x4(const DRegs& d, int d_off, const SharedArray<uint32_t>& s, const ARegs& addr, int a_off) {
    warp_op([this, d, s, addr, d_off, a_off](int warp) {
      for (int lane = 0; lane < kWarpSize; ++lane) {
        Thread t;
        t.id = warp * kWarpSize + lane;
        for (int j = 0; j < 4; ++j) {
          Thread src;
          src.id = warp * kWarpSize + j * 8 + lane / 4;
          const int row_word = int(addr[src][a_off]);
          // The hardware needs every row 16-byte aligned (the array's start and the word).
          const auto base = reinterpret_cast<const unsigned char*>(s.data()) -
                            reinterpret_cast<const unsigned char*>(shared_.data());
          if (row_word % 4 != 0 || base % 16 != 0)
            fail("ldmatrix: a row address that is not 16-byte aligned (a misaligned-address error on a GPU)");
          current_ = t.id;  // the receiving lane reads
          d[t][d_off + j] = uint32_t(s[row_word + lane % 4]);
        }
      }
      current_ = -1;
    });
  }

  template <typename T>
  SharedArray<T> shared(int n) {
    // The race check logs 4-byte words by an element's first word: narrower elements would
    // share words between threads (a false race), so shared arrays hold 4- or 8-byte types.
    static_assert(sizeof(T) % 4 == 0, "emu: shared arrays of 4- or 8-byte elements");
    const int bytes = shared_align(int(sizeof(T)) * n);
    if (shared_used_ + bytes > int(shared_.size() * sizeof(Chunk))) shared_overflow(bytes);
    T* p = reinterpret_cast<T*>(reinterpret_cast<unsigned char*>(shared_.data()) + shared_used_);
    shared_used_ += bytes;
    return SharedArray<T>(p, n, opt_.racecheck ? this : nullptr);
  }

  template <typename T, int N>
  CpuRegs<T, N> regs() const {
    return CpuRegs<T, N>(block_.count());
  }

  bool pending() const { return !pending_.empty(); }

  // The race check's record of one access by the running thread (thread.h shared_access).
  void record_access(const void* p, bool write);
  // The same for global memory, by block (thread.h global_access).
  void record_global(const void* p, bool write);
  ~CpuBlock();
  CpuBlock(const CpuBlock&) = delete;
  CpuBlock& operator=(const CpuBlock&) = delete;

  static constexpr int kWarpSize = 32;

 private:
  // One recorded step of the open segment: a per-thread phase or a warp collective.
  struct Step {
    std::function<void(Thread)> phase;
    std::function<void(int)> warp;
  };
  void run_thread_major(const std::vector<int>& order);
  void run_warp_major(std::mt19937_64& rng);

  [[noreturn]] void fail(const char* what) const;
  [[noreturn]] void shared_overflow(int bytes) const;

  Dim3 grid_, block_, idx_;
  EmuOptions opt_;
  std::vector<Step> pending_;  // steps of the open segment
  // Shared memory in 16-byte aligned chunks (the carving rule of shared_align assumes it).
  struct alignas(16) Chunk { unsigned char b[16]; };
  std::vector<Chunk> shared_;
  int shared_used_ = 0;
  bool in_phase_ = false;
  uint64_t rng_;
  // Race check: per 4-byte word of shared memory, who last wrote and read it in which segment.
  // The last write and read of one location inside a block, by thread and segment: the race
  // rule for shared memory and for output elements alike.
  struct SegmentLog {
    int write_seg = -1, writer = -1;
    int read_seg = -1, reader = -1;  // reader -2: several threads read it in read_seg
    // Records thread's access in segment; race(other, other_wrote) on a conflict (throws).
    template <typename Race>
    void record(int thread, int segment, bool write, const Race& race) {
      if (write_seg == segment && writer != thread) race(writer, true);
      if (write) {
        if (read_seg == segment && reader != thread) race(reader, false);
        write_seg = segment;
        writer = thread;
      } else if (read_seg != segment) {
        read_seg = segment;
        reader = thread;
      } else if (reader != thread) {
        reader = -2;
      }
    }
  };
  std::vector<SegmentLog> log_;
  // Global race check, per launch: which block wrote / read each element (-2: several read).
  struct GlobalLog {
    int writer = -1, reader = -1;  // blocks of this launch (-2: several readers)
    // Within the block that touched the element last (threads of one block are unordered
    // between two barriers too).
    int block = -1;
    SegmentLog in_block;
  };
  std::unordered_map<const void*, GlobalLog> global_log_;
  CpuBlock* outer_ = nullptr;  // the launch this one interrupted on this thread (nesting)
  int segment_ = 0;
  int current_ = -1;  // the thread whose phase is running
};

// A body that returned with phases pending (it forgot ctx.end_block()).
[[noreturn]] void throw_missing_end_block();

// Block order of a grid under the schedule (x fastest), shared by run_grid and its tests.
std::vector<Dim3> grid_order(Dim3 grid, const EmuOptions& opt);

// Run `Body::run(ctx, params)` for every block of the grid: the CPU counterpart of
// emu::launch in cuda_block.cuh. Blocks run one after another (they may not communicate on a
// GPU either, except through atomics, which this step does not model).
template <typename Body, typename Params>
void run_grid(Dim3 grid, Dim3 block, int shared_bytes, const Params& params, const EmuOptions& opt = {}) {
  CpuBlock ctx(grid, block, shared_bytes, opt);
  for (const Dim3& b : grid_order(grid, opt)) {
    ctx.begin(b);
    Body::run(ctx, params);
    if (ctx.pending()) throw_missing_end_block();
  }
}

}  // namespace hr::emu
