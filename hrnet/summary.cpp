#include "hrnet/summary.h"

#include <fmt/format.h>

#include <map>

namespace hr::net {
namespace {

std::string top_group(const std::string& name) { return name.substr(0, name.find('.')); }

class MacCounter : public ConvObserver {
 public:
  explicit MacCounter(std::map<const Conv2d*, std::string> names) : names_(std::move(names)) {
    skip_compute = true;
  }
  void on_conv(const Conv2d& conv, const Shape& in, const Shape& out) override {
    const auto it = names_.find(&conv);
    HR_CHECK(it != names_.end(), "summary: a convolution outside the network ran");
    macs[top_group(it->second)] += out.numel() * conv.kernel * conv.kernel * in[3];
    convs[top_group(it->second)] += 1;
  }
  std::map<std::string, int64_t> macs;
  std::map<std::string, int> convs;

 private:
  std::map<const Conv2d*, std::string> names_;
};

// 28536113 -> "28,536,113"
std::string grouped(int64_t v) {
  std::string digits = std::to_string(v < 0 ? -v : v), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return v < 0 ? "-" + out : out;
}

}  // namespace

ModelSummary summarize(PoseHighResolutionNet& net, int height, int width) {
  check_input_size(height, width);
  std::map<const Conv2d*, std::string> conv_names;
  for (auto& [name, m] : net.named_modules())
    if (auto* c = dynamic_cast<const Conv2d*>(m)) conv_names[c] = name;
  MacCounter counter(conv_names);
  {
    NoGradGuard no_grad;
    ConvObserverScope scope(counter);
    const bool was_training = net.is_training();
    net.eval();  // eval BN does not need batch statistics of the (zero) activations
    net.forward(Var(Tensor::zeros(Shape{1, height, width, 3})));
    net.train(was_training);
  }
  ModelSummary s;
  s.height = height;
  s.width = width;
  for (auto& [name, p] : net.named_parameters()) {
    const std::string g = top_group(name);
    if (s.groups.empty() || s.groups.back().name != g) s.groups.push_back({g, 0, 0, 0});
    s.groups.back().params += p.value().numel();
  }
  for (GroupStats& g : s.groups) {
    g.macs = counter.macs[g.name];
    g.convs = counter.convs[g.name];
    s.total_params += g.params;
    s.total_macs += g.macs;
    s.total_convs += g.convs;
  }
  return s;
}

std::string format_summary(const ModelSummary& s) {
  std::string out = fmt::format("input {}x{} (HxW), batch 1\n", s.height, s.width);
  out += fmt::format("{:<14} {:>14} {:>8} {:>18} {:>12}\n", "group", "params", "convs", "multiply-adds",
                     "GMAC/2^30");
  for (const GroupStats& g : s.groups)
    out += fmt::format("{:<14} {:>14} {:>8} {:>18} {:>12.3f}\n", g.name, grouped(g.params), g.convs, grouped(g.macs),
                       double(g.macs) / double(1 << 30));
  out += fmt::format("{:<14} {:>14} {:>8} {:>18} {:>12.3f}\n", "total", grouped(s.total_params),
                     s.total_convs, grouped(s.total_macs), s.gmacs_2_30());
  return out;
}

}  // namespace hr::net
