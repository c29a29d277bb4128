#include "apps/common/app.h"

#include <fmt/format.h>

#include <cstdio>
#include <exception>

#include "engine/allocator.h"
#include "engine/error.h"

namespace hr::app {

int guarded_main(const char* app_name, const std::function<int()>& body) {
  try {
    return body();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: error: %s\n", app_name, e.what());
    return 1;
  }
}

Device parse_device(const std::string& name) {
  if (name == "cpu") return Device::CPU;
  if (name == "cuda") {
    HR_CHECK(cuda_available(), "--device cuda: {}",
             cuda_device_count() == 0 ? "no CUDA device is present (or this build has no CUDA backend)"
                                      : "CUDA is not usable");
    return Device::CUDA;
  }
  fail("--device must be cpu or cuda, got '{}'", name);
}

}  // namespace hr::app
