#include "hrnet/weights.h"

#include <fmt/format.h>

#include <map>

#include "engine/layout.h"

namespace hr::net {
namespace {

bool is_counter(const std::string& key) {
  return key.ends_with("num_batches_tracked");
}

bool passes_filter(const std::string& key, const std::vector<std::string>& layers) {
  if (layers.empty() || layers.front() == "*") return true;
  const std::string first = key.substr(0, key.find('.'));
  for (const std::string& l : layers)
    if (l == first) return true;
  return false;
}

// The shape a file must hold for one of our tensors.
Shape file_shape(const Tensor& ours) {
  const Shape& s = ours.shape();
  if (s.ndim() != 4) return s;
  return Shape{s[0], s[3], s[1], s[2]};
}

std::string list(const std::vector<std::string>& keys, size_t max_items = 20) {
  std::string out;
  for (size_t i = 0; i < keys.size() && i < max_items; ++i) out += "\n    " + keys[i];
  if (keys.size() > max_items) out += fmt::format("\n    ... and {} more", keys.size() - max_items);
  return out;
}

}  // namespace

NamedTensors export_state_dict(Module& m) {
  NamedTensors out;
  for (auto& [key, t] : m.state_dict()) {
    Tensor host = t.to(Device::CPU);
    if (host.dtype() == DType::f64) host = host.to(DType::f32);
    out.emplace_back(key, host.ndim() == 4 ? to_channels_first(host) : host.clone());
  }
  return out;
}

std::string LoadReport::summary() const {
  return fmt::format("{} tensors loaded, {} missing, {} unexpected, {} left out by PRETRAINED_LAYERS",
                     loaded.size(), missing.size(), unexpected.size(), filtered.size());
}

LoadReport load_state_dict(Module& m, const NamedTensors& tensors, const LoadOptions& options,
                           const std::string& source) {
  std::map<std::string, const Tensor*> file;
  for (auto& [key, t] : tensors) file[key] = &t;

  LoadReport rep;
  std::vector<std::string> mismatched;
  std::map<std::string, bool> used;
  std::vector<std::pair<Tensor, Tensor>> copies;  // (destination, converted source)
  for (auto& [key, ours] : m.state_dict()) {
    if (!passes_filter(key, options.only_layers)) continue;
    const auto it = file.find(key);
    if (it == file.end()) {
      if (!is_counter(key)) rep.missing.push_back(key);
      continue;
    }
    used[key] = true;
    const Tensor& theirs = *it->second;
    const Shape want = file_shape(ours);
    if (theirs.shape() != want) {
      mismatched.push_back(fmt::format("{}: file has {}, the model needs {}", key, theirs.shape().str(), want.str()));
      continue;
    }
    Tensor src = theirs.to(Device::CPU).to(ours.dtype());
    if (src.ndim() == 4) src = to_channels_last(src);
    copies.emplace_back(ours, src);
    rep.loaded.push_back(key);
  }
  for (auto& [key, t] : tensors) {
    if (used.count(key)) continue;
    if (!passes_filter(key, options.only_layers))
      rep.filtered.push_back(key);
    else
      rep.unexpected.push_back(key);
  }
  HR_CHECK(mismatched.empty(), "{}: {} tensors have the wrong shape:{}", source, mismatched.size(),
           list(mismatched));
  if (options.strict) {
    std::string why;
    if (!rep.missing.empty()) why += fmt::format("\n  missing keys ({}):{}", rep.missing.size(), list(rep.missing));
    if (!rep.unexpected.empty())
      why += fmt::format("\n  unexpected keys ({}):{}", rep.unexpected.size(), list(rep.unexpected));
    HR_CHECK(why.empty(), "{} does not match the model:{}\n(load non-strictly only if you mean to keep "
             "random weights for the missing keys)", source, why);
  }
  // Copy only after every check passed: a failed load leaves the model untouched.
  for (auto& [dst, src] : copies) {
    Tensor d = dst;
    d.copy_from(src);
  }
  return rep;
}

}  // namespace hr::net
