// One exception type for every error the engine reports, with a message that names the
// thing at fault (tensor, file, field, op). Apps catch it, print it and exit non-zero.
#pragma once
#include <fmt/format.h>

#include <string>

#include "kernels/common/error.h"  // class hr::Error

namespace hr {

template <typename... Args>
[[noreturn]] void fail(fmt::format_string<Args...> f, Args&&... args) {
  throw Error(fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace hr

// HR_CHECK(cond, "format", args...): throws hr::Error with the formatted message.
#define HR_CHECK(cond, ...)                    \
  do {                                         \
    if (!(cond)) ::hr::fail(__VA_ARGS__);      \
  } while (0)
