// The CPU grid emulator's out-of-line parts: schedules, segments, errors.
#include "kernels/emu/cpu_block.h"

#include <algorithm>
#include <numeric>
#include <random>
#include <string>

#include "kernels/common/error.h"

namespace hr::emu {

void shared_out_of_range(int i, int n) {
  throw Error("emu: shared-memory index " + std::to_string(i) + " out of range [0, " + std::to_string(n) + ")");
}

namespace {
// The launch running on this thread (global_access has no handle to it: output pointers are
// plain launch parameters).
thread_local CpuBlock* g_running = nullptr;
}  // namespace

void global_access(void*, const void* p, bool write) {
  if (g_running) g_running->record_global(p, write);
}

void shared_access(void* tracker, const void* p, bool write) {
  static_cast<CpuBlock*>(tracker)->record_access(p, write);
}

void throw_missing_end_block() {
  throw Error("emu: block body returned with per-thread phases pending (call ctx.end_block() last)");
}

namespace {
// The permutation 0..n-1 that the schedule runs things in.
std::vector<int> schedule_order(int n, const EmuOptions& opt, std::mt19937_64& rng) {
  std::vector<int> order(size_t(n > 0 ? n : 0));
  std::iota(order.begin(), order.end(), 0);
  if (opt.schedule == Schedule::Reversed) std::reverse(order.begin(), order.end());
  if (opt.schedule == Schedule::Shuffled) std::shuffle(order.begin(), order.end(), rng);
  return order;
}
}  // namespace

std::vector<Dim3> grid_order(Dim3 grid, const EmuOptions& opt) {
  std::mt19937_64 rng(opt.seed ^ 0x9E3779B97F4A7C15ull);
  std::vector<Dim3> blocks;
  for (int i : schedule_order(grid.count(), opt, rng))
    blocks.push_back(Dim3{i % grid.x, (i / grid.x) % grid.y, i / (grid.x * grid.y)});
  return blocks;
}

CpuBlock::CpuBlock(Dim3 grid, Dim3 block, int shared_bytes, const EmuOptions& opt)
    : grid_(grid), block_(block), opt_(opt), shared_(size_t(shared_align(shared_bytes)) / 16), rng_(opt.seed) {
  // The limits a launch has on current GPUs: at most 1024 threads per block.
  if (block.count() < 1 || block.count() > 1024) throw Error("emu: a block has 1 to 1024 threads");
  // emu::launch passes the size as dynamic shared memory without cudaFuncSetAttribute, which
  // caps it at 48 KiB on every GPU (more needs the opt-in attribute, per kernel).
  if (shared_bytes > 48 * 1024)
    throw Error("emu: " + std::to_string(shared_bytes) +
                " bytes of dynamic shared memory exceed the 48 KiB a launch gets without opting in");
  if (grid.x < 1 || grid.y < 1 || grid.z < 1) throw Error("emu: empty grid");
  // CUDA's other launch limits, so that a plan the emulator accepts also launches on a GPU.
  if (grid.y > 65535 || grid.z > 65535 || block.x > 1024 || block.y > 1024 || block.z > 64)
    throw Error("emu: a launch beyond CUDA's limits (grid y, z at most 65535; block x, y at most 1024, z at most 64)");
  if (opt.racecheck) {
    outer_ = g_running;
    g_running = this;
  }
}

CpuBlock::~CpuBlock() {
  if (g_running == this) g_running = outer_;
}

void CpuBlock::record_global(const void* p, bool write) {
  const int b = idx_.x + grid_.x * (idx_.y + grid_.y * idx_.z);
  GlobalLog& g = global_log_[p];
  const auto race = [&](int other, bool other_wrote) {
    throw Error("emu: global-memory race: block " + std::to_string(b) + (write ? " writes" : " reads") +
                " an element that " + (other >= 0 ? "block " + std::to_string(other) : std::string("several blocks")) +
                (other_wrote ? " wrote" : " read") + " in the same launch (blocks are unordered)");
  };
  if (g.writer >= 0 && g.writer != b) race(g.writer, true);
  if (write) {
    if (g.reader != -1 && g.reader != b) race(g.reader, false);
    g.writer = b;
  } else if (g.reader == -1) {
    g.reader = b;
  } else if (g.reader != b) {
    g.reader = -2;
  }
  // Between threads of this block: the shared-memory rule (no barrier between a write and
  // another thread's access), for the elements outputs name.
  if (current_ < 0) return;
  if (g.block != b) {
    g.block = b;
    g.in_block = SegmentLog{};
  }
  g.in_block.record(current_, segment_, write, [&](int other, bool other_wrote) {
    throw Error("emu: global-memory race: thread " + std::to_string(current_) + (write ? " writes" : " reads") +
                " an element that " + (other >= 0 ? "thread " + std::to_string(other) : std::string("several threads")) +
                (other_wrote ? " wrote" : " read") + " in the same segment (no barrier between), in block " +
                std::to_string(b));
  });
}

void CpuBlock::begin(Dim3 block_idx) {
  idx_ = block_idx;
  pending_.clear();
  shared_used_ = 0;
  log_.assign(shared_.size() * sizeof(Chunk) / 4, SegmentLog{});
  segment_ = 0;
  current_ = -1;
  // Shared memory is not initialised on a GPU: NaN bytes make a read-before-write visible.
  if (!shared_.empty()) std::memset(static_cast<void*>(shared_.data()), 0xFF, shared_.size() * sizeof(Chunk));
}

void CpuBlock::barrier() {
  if (in_phase_) fail("barrier() inside a per-thread phase (a __syncthreads in divergent code)");
  // Each segment gets its own thread order under Shuffled, as warps are rescheduled freely.
  std::mt19937_64 rng(rng_);
  rng_ = rng();
  bool collective = false;
  for (const Step& s : pending_) collective = collective || bool(s.warp);
  in_phase_ = true;
  try {
    if (collective)
      run_warp_major(rng);
    else
      run_thread_major(schedule_order(block_.count(), opt_, rng));
  } catch (...) {
    in_phase_ = false;
    pending_.clear();
    throw;
  }
  in_phase_ = false;
  pending_.clear();
  ++segment_;
  current_ = -1;
}

void CpuBlock::record_access(const void* p, bool write) {
  if (current_ < 0) fail("a shared-memory access outside any thread's phase");
  const size_t word = size_t(static_cast<const unsigned char*>(p) - reinterpret_cast<const unsigned char*>(shared_.data())) / 4;
  // other: the thread that made the earlier access (-2: several), other_wrote: what it did.
  log_[word].record(current_, segment_, write, [&](int other, bool other_wrote) {
    throw Error("emu: shared-memory race: thread " + std::to_string(current_) + (write ? " writes" : " reads") +
                " byte offset " + std::to_string(word * 4) + ", which " +
                (other >= 0 ? "thread " + std::to_string(other) : std::string("several threads")) +
                (other_wrote ? " wrote" : " read") + " in the same segment (no barrier between), in block (" +
                std::to_string(idx_.x) + ", " + std::to_string(idx_.y) + ", " + std::to_string(idx_.z) + ")");
  });
}

void CpuBlock::run_thread_major(const std::vector<int>& order) {
  for (int id : order) {
    const Thread t = thread_of(id, block_);
    current_ = id;
    for (const Step& s : pending_) s.phase(t);
  }
}

void CpuBlock::run_warp_major(std::mt19937_64& rng) {
  for (int w : schedule_order(block_.count() / kWarpSize, opt_, rng)) {
    size_t begin = 0;
    while (begin < pending_.size()) {
      size_t end = begin;  // [begin, end): the phases before the next collective
      while (end < pending_.size() && !pending_[end].warp) ++end;
      if (end > begin)
        for (int lane : schedule_order(kWarpSize, opt_, rng)) {
          const Thread t = thread_of(w * kWarpSize + lane, block_);
          current_ = t.id;
          for (size_t i = begin; i < end; ++i) pending_[i].phase(t);
        }
      // A collective belongs to no single lane: a shared access inside one (an emulated
      // ldmatrix, say) must not be charged to the lane that ran last.
      current_ = -1;
      if (end < pending_.size()) pending_[end].warp(w);
      begin = end + 1;
    }
  }
}

void CpuBlock::fail(const char* what) const { throw Error(std::string("emu: ") + what); }

void CpuBlock::shared_overflow(int bytes) const {
  throw Error("emu: the block body asks for more shared memory than the launch gives (" +
              std::to_string(shared_used_ + bytes) + " > " + std::to_string(shared_.size() * sizeof(Chunk)) +
              " bytes)");
}

}  // namespace hr::emu
