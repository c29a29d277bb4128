// A narrow HRNet with the official topology but one block per branch: fast enough for unit
// tests, and still has every kind of transition and fuse path.
#pragma once
#include "hrnet/pose_hrnet.h"

namespace hr::test {

inline net::HRNetSpec tiny_hrnet_spec(int joints, int stage4_modules = 1) {
  net::HRNetSpec s = net::official_spec(4, joints);
  s.stage3.num_modules = 1;
  s.stage4.num_modules = stage4_modules;
  s.stage2.num_blocks = {1, 1};
  s.stage3.num_blocks = {1, 1, 1};
  s.stage4.num_blocks = {1, 1, 1, 1};
  return s;
}

}  // namespace hr::test
