// Where tests find the shared real-data fixtures: $HRNET_TEST_DATA, else ../shared/data
// beside the checkout.
#pragma once
#include <string>

namespace hr::test {
std::string test_data_dir();
}  // namespace hr::test
