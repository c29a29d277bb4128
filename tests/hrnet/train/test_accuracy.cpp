// The official training accuracy against a hand-computed case that exercises every quirk.
#include <catch2/catch.hpp>

#include <vector>

#include "engine/tensor.h"
#include "hrnet/train/accuracy.h"

using namespace hr;

namespace {

constexpr int B = 2, H = 40, W = 10, J = 4;

struct Maps {
  std::vector<float> v = std::vector<float>(size_t(B) * H * W * J, 0.0f);
  // NHWC [b][y][x][j], as the engine lays heatmaps out.
  void set(int b, int x, int y, int j, float value) { v[((size_t(b) * H + y) * W + x) * J + j] = value; }
};

}  // namespace

TEST_CASE("training accuracy follows the official PCK with its quirks", "[train][accuracy]") {
  Maps out, tgt;
  // Everything not set below is 0, so an untouched prediction map has its maximum 0 -> (0, 0).
  // H = 40, W = 10: the official norm divides x by H/10 = 4 and y by W/10 = 1.
  // Joint 0: a one-pixel x error costs 1/4 (hit); a one-pixel y error costs 1 (miss).
  tgt.set(0, 5, 5, 0, 1.0f);
  out.set(0, 6, 5, 0, 0.9f);
  tgt.set(1, 5, 5, 0, 1.0f);
  out.set(1, 5, 6, 0, 0.9f);
  // Joint 1: never counted: sample 0's target peak has x = 1 (x <= 1 is ignored), sample 1's
  // target is all zero (an invisible joint: argmax (0, 0)).
  tgt.set(0, 1, 20, 1, 1.0f);
  out.set(0, 1, 20, 1, 1.0f);
  // Joint 2: sample 0's prediction is negative everywhere -> (0, 0), far from (3, 2): miss.
  // Sample 1: two equal maxima, the first in row-major order wins and is on target: hit.
  tgt.set(0, 3, 2, 2, 1.0f);
  for (int y = 0; y < H; ++y)
    for (int x = 0; x < W; ++x) out.set(0, x, y, 2, -0.5f);
  out.set(0, 3, 2, 2, -0.1f);
  tgt.set(1, 7, 30, 2, 1.0f);
  out.set(1, 7, 30, 2, 0.5f);
  out.set(1, 2, 35, 2, 0.5f);
  // Joint 3: sample 0's target has y = 1 (ignored); sample 1's target at (2, 2) is the first
  // counted position, predicted exactly: hit.
  tgt.set(0, 4, 1, 3, 1.0f);
  tgt.set(1, 2, 2, 3, 1.0f);
  out.set(1, 2, 2, 3, 0.3f);

  const auto a = train::heatmap_accuracy(out.v.data(), tgt.v.data(), B, H, W, J);
  REQUIRE(a.per_joint.size() == 4);
  CHECK(a.per_joint[0] == 0.5);
  CHECK(a.per_joint[1] == -1.0);
  CHECK(a.per_joint[2] == 0.5);
  CHECK(a.per_joint[3] == 1.0);
  CHECK(a.count == 3);
  CHECK(a.avg == Approx((0.5 + 0.5 + 1.0) / 3).epsilon(1e-15));

  // The tensor overload reads the same NHWC layout.
  const Tensor to = Tensor::from_vector<float>(Shape{B, H, W, J}, out.v);
  const Tensor tt = Tensor::from_vector<float>(Shape{B, H, W, J}, tgt.v);
  CHECK(train::heatmap_accuracy(to, tt).avg == a.avg);
  // A looser threshold turns joint 0's y miss (distance 1) into a hit.
  CHECK(train::heatmap_accuracy(to, tt, 1.01).per_joint[0] == 1.0);
}

TEST_CASE("training accuracy with nothing to count is 0 with count 0", "[train][accuracy]") {
  const Tensor z = Tensor::zeros(Shape{1, 8, 8, 3});
  const auto a = train::heatmap_accuracy(z, z);
  CHECK(a.count == 0);
  CHECK(a.avg == 0.0);
}

TEST_CASE("AverageMeter weighs values like the official one", "[train][accuracy]") {
  train::AverageMeter m;
  m.update(1.0, 3);
  m.update(0.0, 1);
  CHECK(m.val == 0.0);
  CHECK(m.avg == 0.75);
  m.update(5.0, 0);  // a batch with nothing counted changes val only
  CHECK(m.avg == 0.75);
}
