#include "hrnet_shapes.h"

#include <array>
#include <cmath>

namespace hr::bench {
namespace {

// Collects conv occurrences and merges those with identical geometry.
class ShapeList {
 public:
  explicit ShapeList(int batch) : batch_(batch) {}

  // A conv reading an H x W map; stride-2 convs halve it (ceil), as padding 1 gives.
  void add(const std::string& label, int h, int w, int cin, int cout, int k, int stride,
           bool bias = false) {
    const kern::ConvDesc d = kern::make_conv_desc(batch_, h, w, cin, cout, k, stride);
    for (ConvShape& s : shapes_) {
      if (!same(s.desc, d) || s.bias != bias) continue;
      ++s.count;
      if (!has_label(s.label, label)) s.label += " / " + label;
      return;
    }
    shapes_.push_back({label, d, bias, 1});
  }

  std::vector<ConvShape> take() { return std::move(shapes_); }

 private:
  static bool same(const kern::ConvDesc& a, const kern::ConvDesc& b) {
    return a.H == b.H && a.W == b.W && a.Cin == b.Cin && a.Cout == b.Cout && a.K == b.K &&
           a.stride == b.stride;
  }
  static bool has_label(const std::string& labels, const std::string& label) {
    size_t pos = 0;
    for (;;) {
      const size_t end = labels.find(" / ", pos);
      if (labels.compare(pos, end - pos, label) == 0) return true;
      if (end == std::string::npos) return false;
      pos = end + 3;
    }
  }

  int batch_;
  std::vector<ConvShape> shapes_;
};

struct Res {
  int h, w;
};

// Branch b runs at H/(4*2^b) x W/(4*2^b).
Res branch_res(const HrnetGeometry& g, int b) {
  return {g.image_h / (4 << b), g.image_w / (4 << b)};
}

void add_stem(ShapeList& list, const HrnetGeometry& g) {
  list.add("stem conv1", g.image_h, g.image_w, 3, 64, 3, 2);
  list.add("stem conv2", kern::conv_out_size(g.image_h, 3, 2), kern::conv_out_size(g.image_w, 3, 2),
           64, 64, 3, 2);
}

// layer1: four Bottlenecks (planes 64, expansion 4) at H/4; block 0 has a 1x1 projection.
void add_layer1(ShapeList& list, const HrnetGeometry& g) {
  const Res r = branch_res(g, 0);
  for (int block = 0; block < 4; ++block) {
    const int cin = block == 0 ? 64 : 256;
    list.add("bottleneck 1x1 reduce", r.h, r.w, cin, 64, 1, 1);
    list.add("bottleneck 3x3", r.h, r.w, 64, 64, 3, 1);
    list.add("bottleneck 1x1 expand", r.h, r.w, 64, 256, 1, 1);
    if (block == 0) list.add("bottleneck downsample", r.h, r.w, 64, 256, 1, 1);
  }
}

// Transition into a stage with `branches` branches from one with `prev_branches`:
// existing branches change channels with a 3x3 s1 conv where needed, the new branch is a
// chain of 3x3 s2 convs from the last previous branch (intermediate steps keep its channels).
void add_transition(ShapeList& list, const HrnetGeometry& g, const std::vector<int>& prev_ch,
                    const std::vector<int>& cur_ch) {
  const int n_prev = int(prev_ch.size());
  for (int i = 0; i < int(cur_ch.size()); ++i) {
    if (i < n_prev) {
      if (prev_ch[i] != cur_ch[i]) {
        const Res r = branch_res(g, i);
        list.add("transition 3x3", r.h, r.w, prev_ch[i], cur_ch[i], 3, 1);
      }
      continue;
    }
    const int src = n_prev - 1;
    for (int step = 0; step < i + 1 - n_prev; ++step) {
      const Res r = branch_res(g, src + step);
      const bool last = step == i - n_prev;
      list.add("transition 3x3 s2", r.h, r.w, prev_ch[src], last ? cur_ch[i] : prev_ch[src], 3, 2);
    }
  }
}

// Fuse path j -> i of a module: j > i is a 1x1 conv at branch j's resolution (upsampled
// afterwards); j < i is a chain of i-j stride-2 3x3 convs, keeping C_j until the last step.
void add_fuse(ShapeList& list, const HrnetGeometry& g, const std::array<int, 4>& ch, int i, int j) {
  if (j > i) {
    const Res r = branch_res(g, j);
    list.add("fuse up 1x1", r.h, r.w, ch[j], ch[i], 1, 1);
    return;
  }
  for (int step = 0; step < i - j; ++step) {
    const Res r = branch_res(g, j + step);
    const bool last = step == i - j - 1;
    list.add(last ? "fuse down 3x3 s2" : "fuse down 3x3 s2 (chain)", r.h, r.w, ch[j],
             last ? ch[i] : ch[j], 3, 2);
  }
}

// One HighResolutionModule: 4 BasicBlocks (two 3x3 convs each) per branch, then fuse layers
// for every output, or only output 0 when the module is the last one of the network.
void add_module(ShapeList& list, const HrnetGeometry& g, const std::array<int, 4>& ch, int branches,
                bool multi_scale_output) {
  for (int b = 0; b < branches; ++b) {
    const Res r = branch_res(g, b);
    for (int conv = 0; conv < 8; ++conv)
      list.add("branch " + std::to_string(b) + " 3x3", r.h, r.w, ch[b], ch[b], 3, 1);
  }
  const int outputs = multi_scale_output ? branches : 1;
  for (int i = 0; i < outputs; ++i)
    for (int j = 0; j < branches; ++j)
      if (j != i) add_fuse(list, g, ch, i, j);
}

}  // namespace

std::string validate(const HrnetGeometry& g) {
  if (g.width <= 0 || g.batch <= 0 || g.joints <= 0)
    return "width, batch and joints must be positive";
  if (g.image_h % 32 != 0 || g.image_w % 32 != 0)
    return "input height and width must be multiples of 32 (H/4 and W/4 divisible by 8)";
  return {};
}

std::vector<ConvShape> hrnet_conv_shapes(const HrnetGeometry& g) {
  const std::array<int, 4> ch = {g.width, 2 * g.width, 4 * g.width, 8 * g.width};
  ShapeList list(g.batch);
  add_stem(list, g);
  add_layer1(list, g);
  add_transition(list, g, {256}, {ch[0], ch[1]});
  add_module(list, g, ch, 2, true);  // stage2: 1 module
  add_transition(list, g, {ch[0], ch[1]}, {ch[0], ch[1], ch[2]});
  for (int m = 0; m < 4; ++m) add_module(list, g, ch, 3, true);  // stage3: 4 modules
  add_transition(list, g, {ch[0], ch[1], ch[2]}, {ch[0], ch[1], ch[2], ch[3]});
  for (int m = 0; m < 3; ++m) add_module(list, g, ch, 4, m != 2);  // stage4: 3 modules
  const Res r = branch_res(g, 0);
  list.add("final 1x1", r.h, r.w, ch[0], g.joints, 1, 1, true);
  return list.take();
}

int total_conv_count(const std::vector<ConvShape>& shapes) {
  int n = 0;
  for (const ConvShape& s : shapes) n += s.count;
  return n;
}

int64_t macs_per_image(const std::vector<ConvShape>& shapes) {
  int64_t macs = 0;
  for (const ConvShape& s : shapes) macs += s.count * (s.desc.macs() / s.desc.N);
  return macs;
}

std::optional<OfficialMacs> official_gmacs(const HrnetGeometry& g) {
  struct Known {
    int width, h, w, joints;
    OfficialMacs macs;
  };
  // official-hrnet.md section 2.1 (README "GFLOPs" = multiply-adds / 2^30): COCO (17 joints)
  // to 3 decimals, MPII (16 joints, 256x256) to 2.
  static constexpr Known kKnown[] = {{32, 256, 192, 17, {7.120, 0.0005}},
                                     {32, 384, 288, 17, {16.020, 0.0005}},
                                     {48, 256, 192, 17, {14.614, 0.0005}},
                                     {48, 384, 288, 17, {32.882, 0.0005}},
                                     {32, 256, 256, 16, {9.49, 0.005}}};
  for (const Known& k : kKnown)
    if (k.width == g.width && k.h == g.image_h && k.w == g.image_w && k.joints == g.joints)
      return k.macs;
  return std::nullopt;
}

}  // namespace hr::bench
