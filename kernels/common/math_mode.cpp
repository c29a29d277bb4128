#include "kernels/common/math_mode.h"

#include <atomic>
#include <cstdlib>
#include <cstring>

namespace hr::kern {
namespace {
std::atomic<bool>& tf32_flag() {
  static std::atomic<bool> on{[] {
    const char* e = std::getenv("HRNET_TF32");
    return e != nullptr && std::strcmp(e, "1") == 0;
  }()};
  return on;
}
}  // namespace

bool cuda_tf32() { return tf32_flag().load(); }
bool set_cuda_tf32(bool on) { return tf32_flag().exchange(on); }

}  // namespace hr::kern
