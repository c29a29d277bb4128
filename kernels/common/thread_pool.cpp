#include "kernels/common/thread_pool.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace hr::kern {
namespace {

int hardware_threads() {
  if (const char* env = std::getenv("HRNET_NUM_THREADS")) {
    const int n = std::atoi(env);
    if (n > 0) return n;
  }
  const unsigned hc = std::thread::hardware_concurrency();
  return hc == 0 ? 1 : static_cast<int>(hc);
}

// A fixed set of workers that wait for one job at a time. A job is a function of the chunk
// index; workers claim chunks through an atomic counter, the caller claims chunks too.
class Pool {
 public:
  explicit Pool(int n) { resize(n); }
  ~Pool() { stop(); }

  int size() const { return size_; }

  void resize(int n) {
    n = std::max(1, n);
    if (n == size_) return;
    stop();
    size_ = n;
    quit_ = false;
    for (int i = 0; i + 1 < n; ++i) workers_.emplace_back([this] { worker_loop(); });
  }

  void run(int chunks, const std::function<void(int)>& job) {
    std::unique_lock<std::mutex> submit(submit_mutex_);  // one job at a time
    {
      std::lock_guard<std::mutex> lk(m_);
      job_ = &job;
      chunks_ = chunks;
      next_.store(0);
      done_ = 0;
      error_ = nullptr;
      ++generation_;
    }
    cv_.notify_all();
    work(job, chunks);
    std::unique_lock<std::mutex> lk(m_);
    // Wait for the chunks and for every worker that picked up this job to leave it, so no
    // worker can touch `job` (about to go out of scope) or claim a chunk of the next job.
    done_cv_.wait(lk, [&] { return done_ == chunks_ && active_ == 0; });
    job_ = nullptr;
    if (error_) std::rethrow_exception(error_);
  }

 private:
  void work(const std::function<void(int)>& job, int chunks) {
    for (;;) {
      const int c = next_.fetch_add(1);
      if (c >= chunks) break;
      try {
        job(c);
      } catch (...) {
        std::lock_guard<std::mutex> lk(m_);
        if (!error_) error_ = std::current_exception();
      }
      std::lock_guard<std::mutex> lk(m_);
      if (++done_ == chunks_) done_cv_.notify_all();
    }
  }

  void worker_loop() {
    in_worker_ = true;
    uint64_t seen = 0;
    for (;;) {
      const std::function<void(int)>* job = nullptr;
      int chunks = 0;
      {
        std::unique_lock<std::mutex> lk(m_);
        cv_.wait(lk, [&] { return quit_ || (job_ != nullptr && generation_ != seen); });
        if (quit_) return;
        seen = generation_;
        job = job_;
        chunks = chunks_;
        ++active_;
      }
      work(*job, chunks);
      std::lock_guard<std::mutex> lk(m_);
      if (--active_ == 0) done_cv_.notify_all();
    }
  }

  void stop() {
    {
      std::lock_guard<std::mutex> lk(m_);
      quit_ = true;
    }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
    workers_.clear();
  }

 public:
  static thread_local bool in_worker_;

 private:
  int size_ = 0;
  std::vector<std::thread> workers_;
  std::mutex submit_mutex_;
  std::mutex m_;
  std::condition_variable cv_, done_cv_;
  const std::function<void(int)>* job_ = nullptr;
  int chunks_ = 0;
  int done_ = 0;
  int active_ = 0;
  uint64_t generation_ = 0;
  std::atomic<int> next_{0};
  bool quit_ = false;
  std::exception_ptr error_;
};

thread_local bool Pool::in_worker_ = false;
thread_local bool in_parallel_region = false;

std::mutex g_pool_mutex;
Pool& pool() {
  static Pool p(hardware_threads());
  return p;
}

}  // namespace

int num_threads() { return pool().size(); }

void set_num_threads(int n) {
  std::lock_guard<std::mutex> lk(g_pool_mutex);
  pool().resize(n > 0 ? n : hardware_threads());
}

int parallel_chunks(int64_t n, int64_t grain) {
  if (n <= 0) return 0;
  grain = std::max<int64_t>(1, grain);
  const int64_t by_grain = (n + grain - 1) / grain;
  return static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(num_threads(), by_grain)));
}

void parallel_for(int64_t n, int64_t grain,
                  const std::function<void(int64_t, int64_t, int)>& fn) {
  if (n <= 0) return;
  const int chunks = parallel_chunks(n, grain);
  auto bounds = [n, chunks](int c, int64_t& b, int64_t& e) {
    b = n * c / chunks;
    e = n * (c + 1) / chunks;
  };
  if (chunks == 1 || in_parallel_region || Pool::in_worker_) {
    // Serial, but with the same chunk boundaries so results do not depend on nesting.
    for (int c = 0; c < chunks; ++c) {
      int64_t b, e;
      bounds(c, b, e);
      fn(b, e, c);
    }
    return;
  }
  std::lock_guard<std::mutex> lk(g_pool_mutex);
  in_parallel_region = true;
  try {
    pool().run(chunks, [&](int c) {
      int64_t b, e;
      bounds(c, b, e);
      fn(b, e, c);
    });
  } catch (...) {
    in_parallel_region = false;
    throw;
  }
  in_parallel_region = false;
}

}  // namespace hr::kern
