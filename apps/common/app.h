// What every app shares: turning errors into a message and a non-zero exit, and the official
// trailing `KEY VALUE` config overrides.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "engine/dtype.h"

namespace hr::app {

// Runs body(); an hr::Error (or any std::exception) is printed as "<app>: error: <what>" on
// stderr and becomes exit code 1.
int guarded_main(const char* app_name, const std::function<int()>& body);

// "cpu" / "cuda" -> Device, with a clear error when CUDA is asked for but absent.
Device parse_device(const std::string& name);

}  // namespace hr::app
