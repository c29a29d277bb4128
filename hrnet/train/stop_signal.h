// Ctrl-C for the trainer: the first SIGINT (or SIGTERM) only raises a flag, so the current
// step finishes and a checkpoint is written before the trainer returns; the handler then
// restores the default action, so a second Ctrl-C stops the process at once.
#pragma once
#include <atomic>

namespace hr::train {

// Installs the handlers (idempotent) and returns the flag they raise.
const std::atomic<bool>& install_stop_signal_handlers();

}  // namespace hr::train
