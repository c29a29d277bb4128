#include "hrnet/config/schema.h"

#include <algorithm>
#include <set>

namespace hr::cfg::detail {
namespace {

template <typename Get>
void add(std::vector<FieldSpec>& table, std::string key, Kind kind, Get get,
         bool required_in_file = false) {
  table.push_back({std::move(key), kind, [get](Config& c) -> FieldRef { return get(c); },
                   required_in_file});
}

void add_runtime_fields(std::vector<FieldSpec>& t) {
  add(t, "OUTPUT_DIR", Kind::String, [](Config& c) { return &c.output_dir; });
  add(t, "LOG_DIR", Kind::String, [](Config& c) { return &c.log_dir; });
  add(t, "DATA_DIR", Kind::String, [](Config& c) { return &c.data_dir; });
  add(t, "GPUS", Kind::IntTuple, [](Config& c) { return &c.gpus; });
  add(t, "WORKERS", Kind::Int, [](Config& c) { return &c.workers; });
  add(t, "PRINT_FREQ", Kind::Int, [](Config& c) { return &c.print_freq; });
  add(t, "AUTO_RESUME", Kind::Bool, [](Config& c) { return &c.auto_resume; });
  add(t, "PIN_MEMORY", Kind::Bool, [](Config& c) { return &c.pin_memory; });
  add(t, "RANK", Kind::Int, [](Config& c) { return &c.rank; });
  add(t, "CUDNN.BENCHMARK", Kind::Bool, [](Config& c) { return &c.cudnn.benchmark; });
  add(t, "CUDNN.DETERMINISTIC", Kind::Bool, [](Config& c) { return &c.cudnn.deterministic; });
  add(t, "CUDNN.ENABLED", Kind::Bool, [](Config& c) { return &c.cudnn.enabled; });
}

void add_stage_fields(std::vector<FieldSpec>& t, const std::string& name,
                      StageConfig ModelExtraConfig::*member) {
  const std::string p = "MODEL.EXTRA." + name + ".";
  auto stage = [member](Config& c) -> StageConfig& { return c.model.extra.*member; };
  const bool required = true;
  add(t, p + "NUM_MODULES", Kind::Int, [stage](Config& c) { return &stage(c).num_modules; },
      required);
  add(t, p + "NUM_BRANCHES", Kind::Int, [stage](Config& c) { return &stage(c).num_branches; },
      required);
  add(t, p + "BLOCK", Kind::String, [stage](Config& c) { return &stage(c).block; }, required);
  add(t, p + "NUM_BLOCKS", Kind::IntList, [stage](Config& c) { return &stage(c).num_blocks; },
      required);
  add(t, p + "NUM_CHANNELS", Kind::IntList,
      [stage](Config& c) { return &stage(c).num_channels; }, required);
  add(t, p + "FUSE_METHOD", Kind::String, [stage](Config& c) { return &stage(c).fuse_method; },
      required);
}

void add_model_fields(std::vector<FieldSpec>& t) {
  add(t, "MODEL.NAME", Kind::String, [](Config& c) { return &c.model.name; });
  add(t, "MODEL.INIT_WEIGHTS", Kind::Bool, [](Config& c) { return &c.model.init_weights; });
  add(t, "MODEL.PRETRAINED", Kind::String, [](Config& c) { return &c.model.pretrained; });
  add(t, "MODEL.NUM_JOINTS", Kind::Int, [](Config& c) { return &c.model.num_joints; });
  add(t, "MODEL.TAG_PER_JOINT", Kind::Bool, [](Config& c) { return &c.model.tag_per_joint; });
  add(t, "MODEL.TARGET_TYPE", Kind::String, [](Config& c) { return &c.model.target_type; });
  add(t, "MODEL.IMAGE_SIZE", Kind::WidthHeight, [](Config& c) { return &c.model.image_size; });
  add(t, "MODEL.HEATMAP_SIZE", Kind::WidthHeight,
      [](Config& c) { return &c.model.heatmap_size; });
  add(t, "MODEL.SIGMA", Kind::Int, [](Config& c) { return &c.model.sigma; });
  const bool required = true;
  add(t, "MODEL.EXTRA.PRETRAINED_LAYERS", Kind::StringList,
      [](Config& c) { return &c.model.extra.pretrained_layers; }, required);
  add(t, "MODEL.EXTRA.FINAL_CONV_KERNEL", Kind::Int,
      [](Config& c) { return &c.model.extra.final_conv_kernel; }, required);
  add_stage_fields(t, "STAGE2", &ModelExtraConfig::stage2);
  add_stage_fields(t, "STAGE3", &ModelExtraConfig::stage3);
  add_stage_fields(t, "STAGE4", &ModelExtraConfig::stage4);
}

void add_loss_fields(std::vector<FieldSpec>& t) {
  add(t, "LOSS.USE_OHKM", Kind::Bool, [](Config& c) { return &c.loss.use_ohkm; });
  add(t, "LOSS.TOPK", Kind::Int, [](Config& c) { return &c.loss.topk; });
  add(t, "LOSS.USE_TARGET_WEIGHT", Kind::Bool, [](Config& c) { return &c.loss.use_target_weight; });
  add(t, "LOSS.USE_DIFFERENT_JOINTS_WEIGHT", Kind::Bool,
      [](Config& c) { return &c.loss.use_different_joints_weight; });
}

void add_dataset_fields(std::vector<FieldSpec>& t) {
  add(t, "DATASET.ROOT", Kind::String, [](Config& c) { return &c.dataset.root; });
  add(t, "DATASET.DATASET", Kind::String, [](Config& c) { return &c.dataset.dataset; });
  add(t, "DATASET.TRAIN_SET", Kind::String, [](Config& c) { return &c.dataset.train_set; });
  add(t, "DATASET.TEST_SET", Kind::String, [](Config& c) { return &c.dataset.test_set; });
  add(t, "DATASET.DATA_FORMAT", Kind::String, [](Config& c) { return &c.dataset.data_format; });
  add(t, "DATASET.HYBRID_JOINTS_TYPE", Kind::String,
      [](Config& c) { return &c.dataset.hybrid_joints_type; });
  add(t, "DATASET.SELECT_DATA", Kind::Bool, [](Config& c) { return &c.dataset.select_data; });
  add(t, "DATASET.FLIP", Kind::Bool, [](Config& c) { return &c.dataset.flip; });
  add(t, "DATASET.SCALE_FACTOR", Kind::Float, [](Config& c) { return &c.dataset.scale_factor; });
  add(t, "DATASET.ROT_FACTOR", Kind::Int, [](Config& c) { return &c.dataset.rot_factor; });
  add(t, "DATASET.PROB_HALF_BODY", Kind::Float,
      [](Config& c) { return &c.dataset.prob_half_body; });
  add(t, "DATASET.NUM_JOINTS_HALF_BODY", Kind::Int,
      [](Config& c) { return &c.dataset.num_joints_half_body; });
  add(t, "DATASET.COLOR_RGB", Kind::Bool, [](Config& c) { return &c.dataset.color_rgb; });
}

void add_train_fields(std::vector<FieldSpec>& t) {
  add(t, "TRAIN.LR_FACTOR", Kind::Float, [](Config& c) { return &c.train.lr_factor; });
  add(t, "TRAIN.LR_STEP", Kind::IntList, [](Config& c) { return &c.train.lr_step; });
  add(t, "TRAIN.LR", Kind::Float, [](Config& c) { return &c.train.lr; });
  add(t, "TRAIN.OPTIMIZER", Kind::String, [](Config& c) { return &c.train.optimizer; });
  add(t, "TRAIN.MOMENTUM", Kind::Float, [](Config& c) { return &c.train.momentum; });
  add(t, "TRAIN.WD", Kind::Float, [](Config& c) { return &c.train.wd; });
  add(t, "TRAIN.NESTEROV", Kind::Bool, [](Config& c) { return &c.train.nesterov; });
  add(t, "TRAIN.GAMMA1", Kind::Float, [](Config& c) { return &c.train.gamma1; });
  add(t, "TRAIN.GAMMA2", Kind::Float, [](Config& c) { return &c.train.gamma2; });
  add(t, "TRAIN.BEGIN_EPOCH", Kind::Int, [](Config& c) { return &c.train.begin_epoch; });
  add(t, "TRAIN.END_EPOCH", Kind::Int, [](Config& c) { return &c.train.end_epoch; });
  add(t, "TRAIN.RESUME", Kind::Bool, [](Config& c) { return &c.train.resume; });
  add(t, "TRAIN.CHECKPOINT", Kind::String, [](Config& c) { return &c.train.checkpoint; });
  add(t, "TRAIN.BATCH_SIZE_PER_GPU", Kind::Int,
      [](Config& c) { return &c.train.batch_size_per_gpu; });
  add(t, "TRAIN.SHUFFLE", Kind::Bool, [](Config& c) { return &c.train.shuffle; });
}

void add_test_fields(std::vector<FieldSpec>& t) {
  add(t, "TEST.BATCH_SIZE_PER_GPU", Kind::Int, [](Config& c) { return &c.test.batch_size_per_gpu; });
  add(t, "TEST.FLIP_TEST", Kind::Bool, [](Config& c) { return &c.test.flip_test; });
  add(t, "TEST.POST_PROCESS", Kind::Bool, [](Config& c) { return &c.test.post_process; });
  add(t, "TEST.SHIFT_HEATMAP", Kind::Bool, [](Config& c) { return &c.test.shift_heatmap; });
  add(t, "TEST.USE_GT_BBOX", Kind::Bool, [](Config& c) { return &c.test.use_gt_bbox; });
  add(t, "TEST.IMAGE_THRE", Kind::Float, [](Config& c) { return &c.test.image_thre; });
  add(t, "TEST.NMS_THRE", Kind::Float, [](Config& c) { return &c.test.nms_thre; });
  add(t, "TEST.SOFT_NMS", Kind::Bool, [](Config& c) { return &c.test.soft_nms; });
  add(t, "TEST.OKS_THRE", Kind::Float, [](Config& c) { return &c.test.oks_thre; });
  add(t, "TEST.IN_VIS_THRE", Kind::Float, [](Config& c) { return &c.test.in_vis_thre; });
  add(t, "TEST.COCO_BBOX_FILE", Kind::String, [](Config& c) { return &c.test.coco_bbox_file; });
  add(t, "TEST.BBOX_THRE", Kind::Float, [](Config& c) { return &c.test.bbox_thre; });
  add(t, "TEST.MODEL_FILE", Kind::String, [](Config& c) { return &c.test.model_file; });
}

void add_debug_fields(std::vector<FieldSpec>& t) {
  add(t, "DEBUG.DEBUG", Kind::Bool, [](Config& c) { return &c.debug.debug; });
  add(t, "DEBUG.SAVE_BATCH_IMAGES_GT", Kind::Bool,
      [](Config& c) { return &c.debug.save_batch_images_gt; });
  add(t, "DEBUG.SAVE_BATCH_IMAGES_PRED", Kind::Bool,
      [](Config& c) { return &c.debug.save_batch_images_pred; });
  add(t, "DEBUG.SAVE_HEATMAPS_GT", Kind::Bool, [](Config& c) { return &c.debug.save_heatmaps_gt; });
  add(t, "DEBUG.SAVE_HEATMAPS_PRED", Kind::Bool,
      [](Config& c) { return &c.debug.save_heatmaps_pred; });
}

std::vector<FieldSpec> build_schema() {
  std::vector<FieldSpec> t;
  add_runtime_fields(t);
  add_model_fields(t);
  add_loss_fields(t);
  add_dataset_fields(t);
  add_train_fields(t);
  add_test_fields(t);
  add_debug_fields(t);
  std::sort(t.begin(), t.end(), [](const FieldSpec& a, const FieldSpec& b) { return a.key < b.key; });
  return t;
}

// Every proper dotted prefix of a field key is a section.
std::set<std::string, std::less<>> build_sections() {
  std::set<std::string, std::less<>> sections;
  for (const FieldSpec& f : schema())
    for (auto dot = f.key.find('.'); dot != std::string::npos; dot = f.key.find('.', dot + 1))
      sections.insert(f.key.substr(0, dot));
  return sections;
}

const std::set<std::string, std::less<>>& sections() {
  static const auto s = build_sections();
  return s;
}

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t substitute = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
      diagonal = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, substitute});
    }
  }
  return row[b.size()];
}

std::string_view last_component(std::string_view key) {
  const auto dot = key.rfind('.');
  return dot == std::string_view::npos ? key : key.substr(dot + 1);
}

std::vector<std::string_view> all_known_keys() {
  std::vector<std::string_view> keys;
  for (const FieldSpec& f : schema()) keys.push_back(f.key);
  for (const std::string& s : sections()) keys.push_back(s);
  return keys;
}

}  // namespace

const std::vector<FieldSpec>& schema() {
  static const std::vector<FieldSpec> table = build_schema();
  return table;
}

const FieldSpec* find_field(std::string_view key) {
  const auto& t = schema();
  auto it = std::lower_bound(t.begin(), t.end(), key,
                             [](const FieldSpec& f, std::string_view k) { return f.key < k; });
  return it != t.end() && it->key == key ? &*it : nullptr;
}

bool is_section(std::string_view key) { return sections().contains(key); }

std::string closest_key(std::string_view key) {
  // A typo inside a name (NUM_JOINT) is a small edit; a key put in the wrong section
  // (TRAIN.FLIP_TEST) is found by its last component instead.
  const size_t max_typo_edits = 2;
  std::string_view best;
  size_t best_distance = max_typo_edits + 1;
  for (std::string_view k : all_known_keys()) {
    const size_t d = edit_distance(key, k);
    if (d < best_distance) best_distance = d, best = k;
  }
  if (!best.empty()) return std::string(best);
  std::vector<std::string_view> same_name;
  for (std::string_view k : all_known_keys())
    if (last_component(k) == last_component(key)) same_name.push_back(k);
  return same_name.size() == 1 ? std::string(same_name[0]) : std::string();
}

}  // namespace hr::cfg::detail
