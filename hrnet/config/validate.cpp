// Checks run after a config is loaded: the settings must describe something the engine can
// build and run. Every problem is collected so that one run reports all of them. The
// input-size divisibility the fuse layers need is checked by the network builder.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "engine/error.h"
#include "hrnet/config/config.h"

namespace hr::cfg {
namespace {

class Problems {
 public:
  template <typename... Args>
  void check(bool ok, fmt::format_string<Args...> f, Args&&... args) {
    if (!ok) list_.push_back(fmt::format(f, std::forward<Args>(args)...));
  }

  void throw_if_any(std::string_view source) const {
    if (list_.empty()) return;
    if (list_.size() == 1) hr::fail("invalid config ({}): {}", source, list_[0]);
    hr::fail("invalid config ({}), {} problems:\n  {}", source, list_.size(),
             fmt::join(list_, "\n  "));
  }

 private:
  std::vector<std::string> list_;
};

bool all_positive(const std::vector<int>& v) {
  return std::all_of(v.begin(), v.end(), [](int x) { return x > 0; });
}

void check_runtime(const Config& c, Problems& p) {
  p.check(!c.gpus.empty(), "GPUS is empty; list at least one device, e.g. (0,)");
  p.check(std::all_of(c.gpus.begin(), c.gpus.end(), [](int g) { return g >= 0; }),
          "GPUS {} has a negative device id", c.gpus);
  p.check(c.workers >= 0, "WORKERS must be >= 0, got {}", c.workers);
  p.check(c.print_freq >= 1, "PRINT_FREQ must be >= 1, got {}", c.print_freq);
  p.check(c.rank >= 0, "RANK must be >= 0, got {}", c.rank);
}

void check_stage(const std::string& name, const StageConfig& s, Problems& p) {
  const std::string k = "MODEL.EXTRA." + name;
  p.check(s.num_modules >= 1, "{}.NUM_MODULES must be >= 1, got {}", k, s.num_modules);
  p.check(s.num_branches >= 1, "{}.NUM_BRANCHES must be >= 1, got {}", k, s.num_branches);
  p.check(std::ssize(s.num_blocks) == s.num_branches,
          "{0}.NUM_BLOCKS {1} must have one entry per branch ({0}.NUM_BRANCHES is {2})", k,
          s.num_blocks, s.num_branches);
  p.check(std::ssize(s.num_channels) == s.num_branches,
          "{0}.NUM_CHANNELS {1} must have one entry per branch ({0}.NUM_BRANCHES is {2})", k,
          s.num_channels, s.num_branches);
  p.check(all_positive(s.num_blocks), "{}.NUM_BLOCKS {} must all be >= 1", k, s.num_blocks);
  p.check(all_positive(s.num_channels), "{}.NUM_CHANNELS {} must all be >= 1", k,
          s.num_channels);
  p.check(s.block == "BASIC" || s.block == "BOTTLENECK",
          "{}.BLOCK must be BASIC or BOTTLENECK, got '{}'", k, s.block);
  p.check(s.fuse_method == "SUM", "{}.FUSE_METHOD must be SUM (the only fuse method), got '{}'",
          k, s.fuse_method);
}

void check_sizes(const ModelConfig& m, Problems& p) {
  const WidthHeight& in = m.image_size;
  const WidthHeight& out = m.heatmap_size;
  p.check(in.width > 0 && in.height > 0, "MODEL.IMAGE_SIZE [{}, {}] must be positive", in.width,
          in.height);
  // pose_hrnet's output has stride 4; a target of another size could not be compared with it.
  p.check(out.width * 4 == in.width && out.height * 4 == in.height,
          "MODEL.HEATMAP_SIZE [{}, {}] must be MODEL.IMAGE_SIZE [{}, {}] / 4 (pose_hrnet predicts "
          "heatmaps at stride 4)",
          out.width, out.height, in.width, in.height);
}

void check_model(const ModelConfig& m, Problems& p) {
  p.check(m.name == "pose_hrnet", "MODEL.NAME must be pose_hrnet (the only model), got '{}'",
          m.name);
  p.check(m.target_type == "gaussian",
          "MODEL.TARGET_TYPE must be gaussian (the only target the official code makes), got '{}'",
          m.target_type);
  p.check(m.num_joints >= 1, "MODEL.NUM_JOINTS must be >= 1, got {}", m.num_joints);
  p.check(m.sigma >= 1, "MODEL.SIGMA must be >= 1, got {}", m.sigma);
  check_sizes(m, p);
  p.check(m.extra.final_conv_kernel == 1 || m.extra.final_conv_kernel == 3,
          "MODEL.EXTRA.FINAL_CONV_KERNEL must be 1 or 3 (the sizes the official padding keeps "
          "the heatmap size for), got {}",
          m.extra.final_conv_kernel);
  check_stage("STAGE2", m.extra.stage2, p);
  check_stage("STAGE3", m.extra.stage3, p);
  check_stage("STAGE4", m.extra.stage4, p);
}

void check_data(const Config& c, Problems& p) {
  p.check(c.loss.topk >= 1, "LOSS.TOPK must be >= 1, got {}", c.loss.topk);
  const DatasetConfig& d = c.dataset;
  p.check(!d.dataset.empty(), "DATASET.DATASET is empty");
  p.check(d.scale_factor >= 0, "DATASET.SCALE_FACTOR must be >= 0, got {}", d.scale_factor);
  p.check(d.rot_factor >= 0, "DATASET.ROT_FACTOR must be >= 0, got {}", d.rot_factor);
  p.check(d.prob_half_body <= 1, "DATASET.PROB_HALF_BODY must be <= 1, got {}", d.prob_half_body);
  p.check(d.num_joints_half_body >= 0, "DATASET.NUM_JOINTS_HALF_BODY must be >= 0, got {}",
          d.num_joints_half_body);
}

void check_train(const TrainConfig& t, Problems& p) {
  p.check(t.optimizer == "adam" || t.optimizer == "sgd",
          "TRAIN.OPTIMIZER must be adam or sgd, got '{}'", t.optimizer);
  p.check(t.lr > 0, "TRAIN.LR must be > 0, got {}", t.lr);
  p.check(t.lr_factor > 0, "TRAIN.LR_FACTOR must be > 0, got {}", t.lr_factor);
  p.check(std::all_of(t.lr_step.begin(), t.lr_step.end(), [](int e) { return e >= 0; }),
          "TRAIN.LR_STEP {} must not hold negative epochs", t.lr_step);
  p.check(t.begin_epoch >= 0, "TRAIN.BEGIN_EPOCH must be >= 0, got {}", t.begin_epoch);
  p.check(t.end_epoch >= t.begin_epoch, "TRAIN.END_EPOCH {} is before TRAIN.BEGIN_EPOCH {}",
          t.end_epoch, t.begin_epoch);
  p.check(t.batch_size_per_gpu >= 1, "TRAIN.BATCH_SIZE_PER_GPU must be >= 1, got {}",
          t.batch_size_per_gpu);
}

}  // namespace

void validate(const Config& cfg, std::string_view source) {
  Problems p;
  check_runtime(cfg, p);
  check_model(cfg.model, p);
  check_data(cfg, p);
  check_train(cfg.train, p);
  p.check(cfg.test.batch_size_per_gpu >= 1, "TEST.BATCH_SIZE_PER_GPU must be >= 1, got {}",
          cfg.test.batch_size_per_gpu);
  p.throw_if_any(source);
}

}  // namespace hr::cfg
