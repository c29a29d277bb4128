// How the CPU grid emulator orders threads and blocks (kernels/emu/cpu_block.h). Its own
// header so kernel APIs can take the options without pulling in the emulator.
#pragma once
#include <cstdint>

namespace hr::emu {

// The order in which the threads of a segment (and the blocks of a grid) run. A correct
// kernel gives the same result under all of them.
enum class Schedule { InOrder, Reversed, Shuffled };

struct EmuOptions {
  Schedule schedule = Schedule::InOrder;
  uint64_t seed = 1;  // for Shuffled
  // Check every shared-memory access for a race: another thread's conflicting access to the
  // same element in the same segment (no barrier between). Off: only the schedules show races.
  bool racecheck = true;
};

}  // namespace hr::emu
