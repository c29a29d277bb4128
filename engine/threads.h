// Threads of the CPU backend: hardware concurrency by default, HRNET_NUM_THREADS or
// set_num_threads() to override (0 restores the default).
#pragma once

namespace hr {
int num_threads();
void set_num_threads(int n);
}  // namespace hr
