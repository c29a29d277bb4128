// The one exception type of the project, defined at the bottom layer so that kernels (CUDA,
// cuDNN and cuBLAS launchers) throw the same hr::Error that the engine and the apps report.
// engine/error.h adds the formatting helpers (fail, HR_CHECK) on top.
#pragma once
#include <stdexcept>
#include <string>

namespace hr {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

}  // namespace hr
