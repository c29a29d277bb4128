#include "support/test_data.h"

#include <cstdlib>

namespace hr::test {

std::string test_data_dir() {
  if (const char* env = std::getenv("HRNET_TEST_DATA"); env && *env) return env;
  return HRNET_DEFAULT_TEST_DATA;
}

}  // namespace hr::test
