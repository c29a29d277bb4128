#include "engine/threads.h"

#include "kernels/common/thread_pool.h"

namespace hr {
int num_threads() { return kern::num_threads(); }
void set_num_threads(int n) { kern::set_num_threads(n); }
}  // namespace hr
