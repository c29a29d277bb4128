#include <catch2/catch.hpp>
#include <cstring>
#include <vector>

#include "datasets/image/affine.h"
#include "datasets/image/targets.h"
#include "engine/error.h"
#include "pipeline_fixture.h"

using hr::data::SampleOptions;

namespace {

struct Buffers {
  std::vector<float> input, target, weight;
  explicit Buffers(const SampleOptions& o)
      : input(o.input_floats(), -9.0f),
        target(o.target_floats(), -9.0f),
        weight(size_t(o.num_joints()), -9.0f) {}
  hr::data::SampleBuffers view() { return {input.data(), target.data(), weight.data()}; }
  bool operator==(const Buffers& b) const {
    return input == b.input && target == b.target && weight == b.weight;
  }
};

// The manual crop of a record: no augmentation, or the given one.
Buffers manual(const hr::data::PoseRecord& rec, const SampleOptions& o, std::array<double, 2> c,
               std::array<double, 2> s, double rot, bool flip) {
  Buffers b(o);
  hr::data::Image img = hr::data::decode_image(rec.image);
  auto joints = rec.joints;
  auto vis = rec.joints_vis;
  if (flip) {
    hr::data::flip_horizontal(img);
    hr::data::flip_joints(joints, vis, img.width, o.joint_set);
  }
  const auto t = hr::data::get_affine_transform(c, s, rot, o.image_size[0], o.image_size[1]);
  hr::data::warp_normalize(img, t, o.image_size[0], o.image_size[1], b.input.data());
  for (size_t j = 0; j < joints.size(); ++j) {
    if (vis[j][0] > 0) {
      const auto p = t.apply(joints[j][0], joints[j][1]);
      joints[j][0] = float(p[0]);
      joints[j][1] = float(p[1]);
    }
  }
  hr::data::generate_target(joints, vis, o.image_size, o.heatmap_size, o.sigma, b.target.data(),
                            b.weight.data());
  return b;
}

}  // namespace

TEST_CASE("eval sample equals warp_normalize + generate_target by hand", "[pipeline]") {
  const auto& fx = hr::test::PipelineFixture::get();
  REQUIRE(fx.train.size() >= 4);
  const SampleOptions o = hr::test::small_sample_options(false);
  for (size_t i = 0; i < 3; ++i) {
    const auto& rec = fx.train[i];
    Buffers b(o);
    const auto s = hr::data::make_sample(rec, o, nullptr, b.view());
    CHECK(s.input == b.input.data());
    CHECK(s.meta.center == rec.center);
    CHECK(s.meta.scale == rec.scale);
    CHECK(s.meta.rotation == 0.0);
    CHECK_FALSE(s.meta.flipped);
    CHECK(s.meta.image == rec.image);
    CHECK(s.meta.image_id == rec.image_id);
    const Buffers m = manual(rec, o, rec.center, rec.scale, 0.0, false);
    CHECK(b == m);
    // Some joint lands on the heatmap with a peak of 1.
    float peak = 0;
    for (float v : b.target) peak = std::max(peak, v);
    CHECK(peak == 1.0f);
  }
}

TEST_CASE("training sample: official draw order, reproducible with a fixed Rng", "[pipeline]") {
  const auto& fx = hr::test::PipelineFixture::get();
  SampleOptions o = hr::test::small_sample_options(true);
  o.prob_half_body = 0.0;  // half-body draws nothing when it cannot apply
  const auto& rec = fx.train[0];
  int flips = 0, rotations = 0;
  for (uint64_t seed = 0; seed < 12; ++seed) {
    hr::Rng rng(seed), replay(seed);
    Buffers b(o);
    const auto s = hr::data::make_sample(rec, o, &rng, b.view());
    // Replay the official order: prob_half_body 0 still draws the uniform when enough joints
    // are visible (Python's `and` evaluates the count first).
    double visible = 0;
    for (const auto& v : rec.joints_vis) visible += v[0];
    if (visible > o.num_joints_half_body) replay.uniform();
    const double sf = hr::data::random_scale_factor(replay.normal(), o.scale_factor);
    const double u = replay.uniform();
    const double rot = u <= 0.6 ? hr::data::random_rotation(u, replay.normal(), o.rot_factor) : 0;
    const bool flip = replay.uniform() <= 0.5;
    CHECK(s.meta.rotation == rot);
    CHECK(s.meta.flipped == flip);
    CHECK(s.meta.scale[0] == Approx(rec.scale[0] * sf).epsilon(1e-6));
    CHECK(rng.next_u64() == replay.next_u64());  // the same number of draws
    flips += flip;
    rotations += rot != 0;
    // The same crop by hand.
    hr::data::Image img = hr::data::decode_image(rec.image);
    auto c = rec.center;
    if (flip) c[0] = img.width - c[0] - 1;
    CHECK(s.meta.center == c);
    CHECK(b == manual(rec, o, c, s.meta.scale, rot, flip));
    // Reproducible.
    hr::Rng again(seed);
    Buffers b2(o);
    const auto s2 = hr::data::make_sample(rec, o, &again, b2.view());
    CHECK(b2 == b);
    CHECK(s2.meta.joints == s.meta.joints);
  }
  CHECK(flips > 0);
  CHECK(flips < 12);
  CHECK(rotations > 0);
}

TEST_CASE("training sample with half-body: reproducible, moves the centre", "[pipeline]") {
  const auto& fx = hr::test::PipelineFixture::get();
  SampleOptions o = hr::test::small_sample_options(true);
  o.prob_half_body = 1.0;
  o.num_joints_half_body = 3;
  // A record with enough visible joints.
  const hr::data::PoseRecord* rec = nullptr;
  for (const auto& r : fx.train) {
    int v = 0;
    for (const auto& j : r.joints_vis) v += j[0] > 0;
    if (v >= 10) rec = &r;
  }
  REQUIRE(rec != nullptr);
  hr::Rng a(5), b(5);
  Buffers ba(o), bb(o);
  const auto sa = hr::data::make_sample(*rec, o, &a, ba.view());
  const auto sb = hr::data::make_sample(*rec, o, &b, bb.view());
  CHECK(ba == bb);
  CHECK(sa.meta.center == sb.meta.center);
  if (!sa.meta.flipped) CHECK(sa.meta.center != rec->center);
}

TEST_CASE("sample errors name the image", "[pipeline]") {
  const auto& fx = hr::test::PipelineFixture::get();
  SampleOptions o = hr::test::small_sample_options(false);
  Buffers b(o);
  auto rec = fx.train[0];
  rec.image = (fx.dir / "images/train2017/no_such_image.png").string();
  CHECK_THROWS_WITH(hr::data::make_sample(rec, o, nullptr, b.view()),
                    Catch::Contains("no_such_image.png"));
  rec = fx.train[0];
  rec.joints.pop_back();
  CHECK_THROWS_WITH(hr::data::make_sample(rec, o, nullptr, b.view()),
                    Catch::Contains(fx.train[0].image));
  o.train = true;
  CHECK_THROWS_AS(hr::data::make_sample(fx.train[0], o, nullptr, b.view()), hr::Error);
  o.joints_weight = {1, 2};
  CHECK_THROWS_WITH(o.validate(), Catch::Contains("joints_weight"));
}

TEST_CASE("COLOR_RGB false feeds BGR", "[pipeline]") {
  const auto& fx = hr::test::PipelineFixture::get();
  SampleOptions o = hr::test::small_sample_options(false);
  Buffers rgb(o), bgr(o);
  hr::data::make_sample(fx.train[1], o, nullptr, rgb.view());
  o.color_rgb = false;
  hr::data::make_sample(fx.train[1], o, nullptr, bgr.view());
  // The value at channel 0 of BGR is blue normalised with the red statistics.
  const auto& m = hr::data::kImageNetMean;
  const auto& sd = hr::data::kImageNetStd;
  for (size_t p = 0; p < rgb.input.size() / 3; p += 97) {
    const float blue = rgb.input[3 * p + 2] * sd[2] + m[2];
    CHECK(bgr.input[3 * p] * sd[0] + m[0] == Approx(blue).margin(1e-5));
  }
  CHECK(rgb.target == bgr.target);
}

TEST_CASE("degenerate half-body box: the official's singular affine, no error", "[pipeline]") {
  const auto& fx = hr::test::PipelineFixture::get();
  SampleOptions o = hr::test::small_sample_options(true);
  o.prob_half_body = 1.0;
  o.num_joints_half_body = 0;
  auto rec = fx.train[0];
  for (size_t j = 0; j < rec.joints.size(); ++j) {
    rec.joints[j] = {30, 40, 0};  // every joint at one point: half-body box of size 0
    rec.joints_vis[j] = {1, 1, 0};
  }
  hr::Rng rng(3);
  Buffers b(o);
  const auto s = hr::data::make_sample(rec, o, &rng, b.view());
  CHECK(s.meta.scale[0] == 0.0);
  for (size_t i = 3; i < b.input.size(); ++i) CHECK(b.input[i] == b.input[i % 3]);
  for (const auto& j : s.meta.joints) CHECK((j[0] == 0.0 && j[1] == 0.0));
  CHECK(b.weight[0] == 1.0f);  // the Gaussian sits at (0, 0), truncated
}
