#include "hrnet/train/checkpoint.h"

#include <fmt/format.h>

#include <cstring>
#include <unordered_map>

#include "engine/error.h"
#include "engine/io/safetensors.h"
#include "engine/layout.h"
#include "hrnet/weights.h"

namespace hr::train {
namespace {

constexpr const char* kFormat = "hrnet-train checkpoint v1";
constexpr const char* kOptPrefix = "optimizer.";
constexpr const char* kRngPrefix = "rng.";

// Optimizer index -> official parameter key, matched by identity (not by position, so a
// reordering of parameters() could never pair a moment with the wrong weight).
std::vector<std::string> param_keys(Module& net, const Optimizer& opt) {
  std::unordered_map<const VarImpl*, std::string> by_impl;
  for (auto& [key, v] : net.named_parameters()) by_impl[v.impl().get()] = key;
  std::vector<std::string> keys;
  for (const Var& p : opt.params()) {
    auto it = by_impl.find(p.impl().get());
    HR_CHECK(it != by_impl.end(), "checkpoint: an optimizer parameter is not a parameter of the network");
    keys.push_back(it->second);
  }
  return keys;
}

// Engine layout -> file layout (conv-shaped state transposed like the weights).
Tensor to_file(const Tensor& t) {
  Tensor host = t.to(Device::CPU);
  return host.ndim() == 4 ? to_channels_first(host) : host.clone();
}

Tensor from_file(const Tensor& t, const Tensor& like, const std::string& what) {
  Tensor x = t.to(like.dtype());
  if (x.ndim() == 4) x = to_channels_last(x);
  HR_CHECK(x.shape() == like.shape(), "{}: shape {} does not match the parameter's {}", what,
           x.shape().str(), like.shape().str());
  return x.to(like.device());
}

std::string num(double v) { return fmt::format("{:.17g}", v); }

const std::string& meta(const io::SafetensorsMetadata& m, const std::string& key, const std::string& path) {
  auto it = m.find(key);
  HR_CHECK(it != m.end(), "{}: checkpoint metadata has no '{}'", path, key);
  return it->second;
}

double meta_num(const io::SafetensorsMetadata& m, const std::string& key, const std::string& path) {
  const std::string& s = meta(m, key, path);
  try {
    size_t used = 0;
    const double v = std::stod(s, &used);
    if (used == s.size()) return v;
  } catch (const std::exception&) {
  }
  fail("{}: checkpoint metadata '{}' is not a number: '{}'", path, key, s);
}

const char* optimizer_kind(const Optimizer& opt) {
  if (dynamic_cast<const Adam*>(&opt)) return "adam";
  if (dynamic_cast<const SGD*>(&opt)) return "sgd";
  fail("checkpoint: only Adam and SGD optimizers can be saved");
}

}  // namespace

void save_checkpoint(const std::string& path, Module& net, Optimizer& opt, const TrainingState& st) {
  io::NamedTensors tensors = net::export_state_dict(net);
  const std::vector<std::string> keys = param_keys(net, opt);
  if (auto* adam = dynamic_cast<Adam*>(&opt)) {
    for (size_t i = 0; i < keys.size(); ++i) {
      if (!adam->exp_avg()[i].defined()) continue;  // never stepped: no state, as in PyTorch
      tensors.push_back({"optimizer.exp_avg." + keys[i], to_file(adam->exp_avg()[i])});
      tensors.push_back({"optimizer.exp_avg_sq." + keys[i], to_file(adam->exp_avg_sq()[i])});
      tensors.push_back({"optimizer.step." + keys[i],
                         Tensor::from_vector<int64_t>(Shape{1}, {adam->steps()[i]})});
    }
  } else if (auto* sgd = dynamic_cast<SGD*>(&opt)) {
    for (size_t i = 0; i < keys.size(); ++i)
      if (sgd->momentum_buffers()[i].defined())
        tensors.push_back({"optimizer.momentum_buffer." + keys[i], to_file(sgd->momentum_buffers()[i])});
  }
  std::vector<int64_t> words(4);
  std::memcpy(words.data(), st.rng.s, sizeof(st.rng.s));
  tensors.push_back({"rng.state", Tensor::from_vector<int64_t>(Shape{4}, words)});
  tensors.push_back({"rng.spare", Tensor::from_vector<double>(Shape{1}, {st.rng.spare})});

  io::SafetensorsMetadata m;
  // emplace rather than m[key] = "literal": GCC 12 warns falsely (-Wrestrict) on the latter.
  m.emplace("format", kFormat);
  m.emplace("optimizer", optimizer_kind(opt));
  m["epoch"] = std::to_string(st.epoch);
  m["batch"] = std::to_string(st.batch);
  m["global_step"] = std::to_string(st.global_step);
  m["lr_last_epoch"] = std::to_string(st.lr_last_epoch);
  m["seed"] = std::to_string(st.seed);
  m["rng.has_spare"] = st.rng.has_spare ? "1" : "0";
  m["has_best"] = st.has_best ? "1" : "0";
  m["best_metric"] = num(st.best_metric);
  m["best_epoch"] = std::to_string(st.best_epoch);
  m["metric_name"] = st.metric_name;
  m["loss_sum"] = num(st.loss_sum);
  m["loss_count"] = num(st.loss_count);
  m["acc_sum"] = num(st.acc_sum);
  m["acc_count"] = num(st.acc_count);
  m["history"] = st.history.empty() ? "[]" : st.history;
  io::write_safetensors(path, tensors, m);
}

TrainingState load_checkpoint(const std::string& path, Module& net, Optimizer& opt) {
  const io::SafetensorsContents c = io::read_safetensors(path);
  const auto& m = c.metadata;
  HR_CHECK(meta(m, "format", path) == kFormat, "{}: not a {} (format '{}')", path, kFormat,
           meta(m, "format", path));
  const std::string kind = meta(m, "optimizer", path);
  HR_CHECK(kind == optimizer_kind(opt), "{}: the checkpoint holds {} state but TRAIN.OPTIMIZER builds {}",
           path, kind, optimizer_kind(opt));

  io::NamedTensors model;
  std::unordered_map<std::string, const Tensor*> extra;
  for (const auto& nt : c.tensors) {
    if (nt.name.starts_with(kOptPrefix) || nt.name.starts_with(kRngPrefix))
      extra[nt.name] = &nt.tensor;
    else
      model.push_back(nt);
  }
  net::load_state_dict(net, model, {}, path);  // strict

  const std::vector<std::string> keys = param_keys(net, opt);
  auto find = [&](const std::string& name) -> const Tensor* {
    auto it = extra.find(name);
    return it == extra.end() ? nullptr : it->second;
  };
  if (auto* adam = dynamic_cast<Adam*>(&opt)) {
    for (size_t i = 0; i < keys.size(); ++i) {
      const Tensor* m1 = find("optimizer.exp_avg." + keys[i]);
      const Tensor* m2 = find("optimizer.exp_avg_sq." + keys[i]);
      const Tensor* s = find("optimizer.step." + keys[i]);
      HR_CHECK((m1 != nullptr) == (m2 != nullptr) && (m1 != nullptr) == (s != nullptr),
               "{}: incomplete Adam state for {}", path, keys[i]);
      if (!m1) {
        adam->exp_avg()[i] = Tensor();
        adam->exp_avg_sq()[i] = Tensor();
        adam->steps()[i] = 0;
        continue;
      }
      const Tensor& p = opt.params()[i].value();
      adam->exp_avg()[i] = from_file(*m1, p, path + ": optimizer.exp_avg." + keys[i]);
      adam->exp_avg_sq()[i] = from_file(*m2, p, path + ": optimizer.exp_avg_sq." + keys[i]);
      HR_CHECK(s->dtype() == DType::i64 && s->numel() == 1, "{}: optimizer.step.{} must be i64 [1]", path,
               keys[i]);
      adam->steps()[i] = s->data<int64_t>()[0];
    }
  } else if (auto* sgd = dynamic_cast<SGD*>(&opt)) {
    for (size_t i = 0; i < keys.size(); ++i) {
      const Tensor* b = find("optimizer.momentum_buffer." + keys[i]);
      sgd->momentum_buffers()[i] =
          b ? from_file(*b, opt.params()[i].value(), path + ": optimizer.momentum_buffer." + keys[i]) : Tensor();
    }
  }

  TrainingState st;
  const Tensor* rs = find("rng.state");
  const Tensor* sp = find("rng.spare");
  HR_CHECK(rs && rs->dtype() == DType::i64 && rs->numel() == 4, "{}: rng.state must be i64 [4]", path);
  HR_CHECK(sp && sp->dtype() == DType::f64 && sp->numel() == 1, "{}: rng.spare must be f64 [1]", path);
  std::memcpy(st.rng.s, rs->data<int64_t>(), sizeof(st.rng.s));
  st.rng.spare = sp->data<double>()[0];
  st.rng.has_spare = meta(m, "rng.has_spare", path) == "1";

  st.epoch = int(meta_num(m, "epoch", path));
  st.batch = int64_t(meta_num(m, "batch", path));
  st.global_step = int64_t(meta_num(m, "global_step", path));
  st.lr_last_epoch = int(meta_num(m, "lr_last_epoch", path));
  st.seed = std::stoull(meta(m, "seed", path));
  st.has_best = meta(m, "has_best", path) == "1";
  st.best_metric = meta_num(m, "best_metric", path);
  st.best_epoch = int(meta_num(m, "best_epoch", path));
  st.metric_name = meta(m, "metric_name", path);
  st.loss_sum = meta_num(m, "loss_sum", path);
  st.loss_count = meta_num(m, "loss_count", path);
  st.acc_sum = meta_num(m, "acc_sum", path);
  st.acc_count = meta_num(m, "acc_count", path);
  st.history = meta(m, "history", path);
  return st;
}

void save_weights(const std::string& path, Module& net, const std::map<std::string, std::string>& metadata) {
  io::write_safetensors(path, net::export_state_dict(net), metadata);
}

}  // namespace hr::train
