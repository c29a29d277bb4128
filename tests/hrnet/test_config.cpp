// The official config schema: the shipped experiment files, the official code defaults,
// command-line overrides, and error messages that name the key and the file.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "engine/error.h"
#include "hrnet/config/config.h"

using namespace hr::cfg;
namespace fs = std::filesystem;
using Catch::Matchers::Contains;

namespace {

fs::path experiment(const std::string& relative) {
  return fs::path(HRNET_EXPERIMENTS_DIR) / relative;
}

// A fresh directory for temporary YAML files, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    std::random_device random;
    path_ = fs::temp_directory_path() /
            ("hrnet_test_config_" + std::to_string(random()) + "_" + std::to_string(counter++));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  fs::path write(const std::string& name, const std::string& text) const {
    const fs::path p = path_ / name;
    std::ofstream(p) << text;
    return p;
  }

 private:
  fs::path path_;
};

// pose_hrnet reads every MODEL.EXTRA key and the official schema has no defaults for them, so
// each test file needs the whole block. This is the W32 layout.
const std::string kExtraW32 = R"(MODEL:
  EXTRA:
    PRETRAINED_LAYERS: ['*']
    FINAL_CONV_KERNEL: 1
    STAGE2:
      NUM_MODULES: 1
      NUM_BRANCHES: 2
      BLOCK: BASIC
      NUM_BLOCKS: [4, 4]
      NUM_CHANNELS: [32, 64]
      FUSE_METHOD: SUM
    STAGE3:
      NUM_MODULES: 4
      NUM_BRANCHES: 3
      BLOCK: BASIC
      NUM_BLOCKS: [4, 4, 4]
      NUM_CHANNELS: [32, 64, 128]
      FUSE_METHOD: SUM
    STAGE4:
      NUM_MODULES: 3
      NUM_BRANCHES: 4
      BLOCK: BASIC
      NUM_BLOCKS: [4, 4, 4, 4]
      NUM_CHANNELS: [32, 64, 128, 256]
      FUSE_METHOD: SUM
)";

// The line a key appended to kExtraW32 lands on.
int line_after_extra(int k = 1) {
  return static_cast<int>(std::count(kExtraW32.begin(), kExtraW32.end(), '\n')) + k;
}

// kExtraW32 with `model_keys` added under MODEL (each line indented by two spaces).
std::string with_model_keys(const std::string& model_keys) {
  return "MODEL:\n" + model_keys + kExtraW32.substr(std::string("MODEL:\n").size());
}

std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const hr::Error& e) {
    return e.what();
  }
  FAIL("expected an hr::Error");
  return {};
}

std::string load_error(const fs::path& p, std::vector<std::string> overrides = {}) {
  return error_of([&] { load_config(p, overrides); });
}

struct OfficialRow {
  std::string file;
  std::string dataset;
  WidthHeight image, heatmap;
  int sigma;
  int width;  // channels of branch 0; the others double
  int joints;
  int batch;
  std::string pretrained;
};

const std::string kW32Pretrained = "models/pytorch/imagenet/hrnet_w32-36af842e.pth";
const std::string kW48Pretrained = "models/pytorch/imagenet/hrnet_w48-8ef0771d.pth";

// official-hrnet.md §3.2.
const std::vector<OfficialRow> kOfficialRows = {
    {"coco/hrnet/w32_256x192_adam_lr1e-3.yaml", "coco", {192, 256}, {48, 64}, 2, 32, 17, 32, kW32Pretrained},
    {"coco/hrnet/w32_384x288_adam_lr1e-3.yaml", "coco", {288, 384}, {72, 96}, 3, 32, 17, 32, kW32Pretrained},
    {"coco/hrnet/w48_256x192_adam_lr1e-3.yaml", "coco", {192, 256}, {48, 64}, 2, 48, 17, 32, kW48Pretrained},
    {"coco/hrnet/w48_384x288_adam_lr1e-3.yaml", "coco", {288, 384}, {72, 96}, 3, 48, 17, 24, kW48Pretrained},
    {"mpii/hrnet/w32_256x256_adam_lr1e-3.yaml", "mpii", {256, 256}, {64, 64}, 2, 32, 16, 32, kW32Pretrained},
    {"mpii/hrnet/w48_256x256_adam_lr1e-3.yaml", "mpii", {256, 256}, {64, 64}, 2, 48, 16, 32, kW48Pretrained},
};

void check_official_stage(const StageConfig& s, int modules, int branches, int width) {
  CHECK(s.num_modules == modules);
  CHECK(s.num_branches == branches);
  CHECK(s.block == "BASIC");
  CHECK(s.fuse_method == "SUM");
  CHECK(s.num_blocks == std::vector<int>(branches, 4));
  std::vector<int> channels;
  for (int b = 0; b < branches; ++b) channels.push_back(width << b);
  CHECK(s.num_channels == channels);
}

// official-hrnet.md §3.1: what every official HRNet pose config sets.
void check_shared_official_settings(const Config& c) {
  CHECK(c.auto_resume);
  CHECK(c.cudnn.benchmark);
  CHECK_FALSE(c.cudnn.deterministic);
  CHECK(c.gpus == std::vector<int>{0, 1, 2, 3});
  CHECK(c.workers == 24);
  CHECK(c.print_freq == 100);
  CHECK(c.output_dir == "output");
  CHECK(c.log_dir == "log");
  CHECK(c.dataset.color_rgb);
  CHECK(c.dataset.data_format == "jpg");
  CHECK(c.dataset.flip);
  CHECK(c.dataset.num_joints_half_body == 8);
  CHECK(c.model.init_weights);
  CHECK(c.model.target_type == "gaussian");
  CHECK(c.model.extra.final_conv_kernel == 1);
  CHECK(c.model.extra.pretrained_layers ==
        std::vector<std::string>{"conv1", "bn1", "conv2", "bn2", "layer1", "transition1", "stage2",
                                 "transition2", "stage3", "transition3", "stage4"});
  CHECK(c.loss.use_target_weight);
  CHECK_FALSE(c.loss.use_ohkm);
  CHECK(c.loss.topk == 8);
  CHECK_FALSE(c.loss.use_different_joints_weight);
  CHECK(c.train.optimizer == "adam");
  CHECK(c.train.lr == 0.001);
  CHECK(c.train.lr_factor == 0.1);
  CHECK(c.train.lr_step == std::vector<int>{170, 200});
  CHECK(c.train.begin_epoch == 0);
  CHECK(c.train.end_epoch == 210);
  CHECK(c.train.shuffle);
  CHECK(c.train.wd == 0.0001);
  CHECK(c.train.momentum == 0.9);
  CHECK_FALSE(c.train.nesterov);
  CHECK(c.train.gamma1 == 0.99);
  CHECK(c.train.gamma2 == 0.0);
  CHECK(c.test.flip_test);
  CHECK(c.test.post_process);
  CHECK(c.test.shift_heatmap);
  CHECK(c.test.model_file.empty());
  CHECK(c.debug.debug);
}

void check_coco_settings(const Config& c) {
  CHECK(c.dataset.root == "data/coco/");
  CHECK(c.dataset.train_set == "train2017");
  CHECK(c.dataset.test_set == "val2017");
  CHECK(c.dataset.scale_factor == 0.35);
  CHECK(c.dataset.rot_factor == 45);
  CHECK(c.dataset.prob_half_body == 0.3);
  CHECK(c.test.use_gt_bbox);
  CHECK(c.test.coco_bbox_file ==
        "data/coco/person_detection_results/COCO_val2017_detections_AP_H_56_person.json");
  CHECK(c.test.image_thre == 0.0);
  CHECK(c.test.in_vis_thre == 0.2);
  CHECK(c.test.oks_thre == 0.9);
  CHECK(c.test.nms_thre == 1.0);
  CHECK(c.test.bbox_thre == 1.0);
  CHECK_FALSE(c.test.soft_nms);
}

void check_mpii_settings(const Config& c) {
  CHECK(c.dataset.root == "data/mpii/");
  CHECK(c.dataset.train_set == "train");
  CHECK(c.dataset.test_set == "valid");
  CHECK(c.dataset.scale_factor == 0.25);
  CHECK(c.dataset.rot_factor == 30);
  CHECK(c.dataset.prob_half_body == -1.0);
  // The MPII files leave the COCO-only TEST keys at the code defaults.
  CHECK_FALSE(c.test.use_gt_bbox);
  CHECK(c.test.oks_thre == 0.5);
  CHECK(c.test.coco_bbox_file.empty());
}

}  // namespace

TEST_CASE("every official experiment file loads with the official settings", "[config]") {
  for (const OfficialRow& row : kOfficialRows) {
    DYNAMIC_SECTION(row.file) {
      const Config c = load_config(experiment(row.file));
      check_shared_official_settings(c);
      CHECK(c.dataset.dataset == row.dataset);
      CHECK(c.model.name == "pose_hrnet");
      CHECK(c.model.image_size == row.image);
      CHECK(c.model.heatmap_size == row.heatmap);
      CHECK(c.model.sigma == row.sigma);
      CHECK(c.model.num_joints == row.joints);
      CHECK(c.model.pretrained == row.pretrained);
      CHECK(c.train.batch_size_per_gpu == row.batch);
      CHECK(c.test.batch_size_per_gpu == row.batch);
      check_official_stage(c.model.extra.stage2, 1, 2, row.width);
      check_official_stage(c.model.extra.stage3, 4, 3, row.width);
      check_official_stage(c.model.extra.stage4, 3, 4, row.width);
      if (row.dataset == "coco") check_coco_settings(c);
      else check_mpii_settings(c);
    }
  }
}

TEST_CASE("the demo experiment is a small, valid pose_hrnet on the synthetic set", "[config]") {
  const Config c = load_config(experiment("demo/hrnet/w16_128x96_demo.yaml"));
  CHECK(c.dataset.dataset == "coco");
  CHECK(c.dataset.root == "data/synthetic-demo/");
  CHECK(c.model.pretrained.empty());
  CHECK(c.model.num_joints == 17);
  CHECK(c.model.image_size == WidthHeight{96, 128});
  CHECK(c.model.heatmap_size == WidthHeight{24, 32});
  // The four branches must line up when fused: H/4 and W/4 divisible by 8.
  CHECK(c.model.image_size.width / 4 % 8 == 0);
  CHECK(c.model.image_size.height / 4 % 8 == 0);
  CHECK(c.model.extra.stage2.num_channels == std::vector<int>{16, 32});
  CHECK(c.model.extra.stage4.num_channels == std::vector<int>{16, 32, 64, 128});
  CHECK(c.model.extra.stage3.num_modules == 1);
  CHECK(c.model.extra.stage4.num_modules == 1);
  CHECK(c.gpus == std::vector<int>{0});
  CHECK(c.train.end_epoch <= 30);
  for (int step : c.train.lr_step) CHECK(step < c.train.end_epoch);
  CHECK(c.test.use_gt_bbox);
}

TEST_CASE("keys a file leaves out keep the official code defaults", "[config]") {
  TempDir dir;
  const Config c = load_config(dir.write("extra_only.yaml", kExtraW32));
  CHECK(c.output_dir.empty());
  CHECK(c.log_dir.empty());
  CHECK(c.data_dir.empty());
  CHECK(c.gpus == std::vector<int>{0});
  CHECK(c.workers == 4);
  CHECK(c.print_freq == 20);
  CHECK_FALSE(c.auto_resume);
  CHECK(c.pin_memory);
  CHECK(c.rank == 0);
  CHECK(c.cudnn.benchmark);
  CHECK_FALSE(c.cudnn.deterministic);
  CHECK(c.cudnn.enabled);
  CHECK(c.model.name == "pose_hrnet");
  CHECK(c.model.init_weights);
  CHECK(c.model.pretrained.empty());
  CHECK(c.model.num_joints == 17);
  CHECK(c.model.tag_per_joint);
  CHECK(c.model.image_size == WidthHeight{256, 256});
  CHECK(c.model.heatmap_size == WidthHeight{64, 64});
  CHECK(c.model.sigma == 2);
  CHECK(c.dataset.dataset == "mpii");
  CHECK(c.dataset.train_set == "train");
  CHECK(c.dataset.test_set == "valid");
  CHECK(c.dataset.hybrid_joints_type.empty());
  CHECK_FALSE(c.dataset.select_data);
  CHECK(c.dataset.scale_factor == 0.25);
  CHECK(c.dataset.rot_factor == 30);
  CHECK(c.dataset.prob_half_body == 0.0);
  CHECK_FALSE(c.dataset.color_rgb);  // the official files all say true
  CHECK(c.train.lr_step == std::vector<int>{90, 110});
  CHECK(c.train.end_epoch == 140);  // 210 in the official files
  CHECK_FALSE(c.train.resume);
  CHECK(c.train.checkpoint.empty());
  CHECK(c.train.batch_size_per_gpu == 32);
  CHECK_FALSE(c.test.flip_test);
  CHECK_FALSE(c.test.post_process);
  CHECK_FALSE(c.test.shift_heatmap);
  CHECK_FALSE(c.test.use_gt_bbox);
  CHECK(c.test.image_thre == 0.1);
  CHECK(c.test.nms_thre == 0.6);
  CHECK(c.test.oks_thre == 0.5);
  CHECK(c.test.in_vis_thre == 0.0);
  CHECK(c.test.bbox_thre == 1.0);
  CHECK_FALSE(c.debug.debug);
  CHECK_FALSE(c.debug.save_heatmaps_pred);
  // The only difference from a default-constructed Config is PRETRAINED_LAYERS ['*'].
  Config expected;
  expected.model.extra.pretrained_layers = {"*"};
  CHECK(to_yaml(c) == to_yaml(expected));
}

TEST_CASE("YAML values are read in every spelling the official files use", "[config]") {
  TempDir dir;
  const std::string yaml = "GPUS: [0, 1]\n"
                           "DATASET:\n"
                           "  FLIP: True\n"
                           "  COLOR_RGB: yes\n"
                           "  SCALE_FACTOR: 1\n"  // an integer where a float is expected
                           "  ROOT:\n"            // empty, i.e. null
                           "TRAIN:\n"
                           "  LR_STEP:\n"
                           "  - 5\n"
                           "  - 8\n"
                           "  LR: 1e-4\n" +
                           with_model_keys("  IMAGE_SIZE: '[192, 256]'\n"
                                           "  HEATMAP_SIZE: (48, 64)\n");
  const Config c = load_config(dir.write("spellings.yaml", yaml));
  CHECK(c.gpus == std::vector<int>{0, 1});
  CHECK(c.dataset.flip);
  CHECK(c.dataset.color_rgb);
  CHECK(c.dataset.scale_factor == 1.0);
  CHECK(c.dataset.root.empty());
  CHECK(c.train.lr_step == std::vector<int>{5, 8});
  CHECK(c.train.lr == 1e-4);
  CHECK(c.model.image_size == WidthHeight{192, 256});
  CHECK(c.model.heatmap_size == WidthHeight{48, 64});
  CHECK(c.model.extra.pretrained_layers == std::vector<std::string>{"*"});
}

TEST_CASE("command-line overrides are read like the official KEY VALUE pairs", "[config]") {
  const std::vector<std::string> overrides = {
      "TEST.USE_GT_BBOX", "False",
      "TEST.FLIP_TEST", "false",
      "TRAIN.LR_STEP", "[170,200]",
      "MODEL.IMAGE_SIZE", "[288, 384]",
      "MODEL.HEATMAP_SIZE", "(72, 96)",
      "MODEL.SIGMA", "3",
      "TEST.MODEL_FILE", "path/to/x.pth",
      "DATASET.ROOT", "'data/other/'",
      "GPUS", "(0,)",
      "TRAIN.LR", "5e-4",
      "TRAIN.END_EPOCH", "300",
      "DEBUG.DEBUG", "True",
      "MODEL.EXTRA.PRETRAINED_LAYERS", "['conv1', \"bn1\"]",
      "MODEL.EXTRA.STAGE4.NUM_MODULES", "2",
      "WORKERS", "2",
      "WORKERS", "3",  // a later pair wins, as with yacs
  };
  const Config c = load_config(experiment("coco/hrnet/w32_256x192_adam_lr1e-3.yaml"), overrides);
  CHECK_FALSE(c.test.use_gt_bbox);
  CHECK_FALSE(c.test.flip_test);
  CHECK(c.train.lr_step == std::vector<int>{170, 200});
  CHECK(c.model.image_size == WidthHeight{288, 384});
  CHECK(c.model.heatmap_size == WidthHeight{72, 96});
  CHECK(c.model.sigma == 3);
  CHECK(c.test.model_file == "path/to/x.pth");
  CHECK(c.dataset.root == "data/other/");
  CHECK(c.gpus == std::vector<int>{0});
  CHECK(c.train.lr == 5e-4);
  CHECK(c.train.end_epoch == 300);
  CHECK(c.debug.debug);
  CHECK(c.model.extra.pretrained_layers == std::vector<std::string>{"conv1", "bn1"});
  CHECK(c.model.extra.stage4.num_modules == 2);
  CHECK(c.workers == 3);

  SECTION("a bare comma list is a tuple, as for literal_eval") {
    Config d;
    const std::vector<std::string> gpus = {"GPUS", "0,1"};
    merge_from_list(d, gpus);
    CHECK(d.gpus == std::vector<int>{0, 1});
  }
}

TEST_CASE("unknown keys name the dotted key and the file", "[config]") {
  TempDir dir;
  SECTION("top level") {
    const fs::path p = dir.write("top.yaml", kExtraW32 + "FOO: 1\n");
    const std::string e = load_error(p);
    CHECK_THAT(e, Contains("unknown config key FOO in " + p.string()));
    CHECK_THAT(e, Contains("(line " + std::to_string(line_after_extra()) + ")"));
  }
  SECTION("nested, with a hint for a typo") {
    const fs::path p = dir.write("nested.yaml", with_model_keys("  NUM_JOINT: 17\n"));
    const std::string e = load_error(p);
    CHECK_THAT(e, Contains("MODEL.NUM_JOINT in " + p.string()));
    CHECK_THAT(e, Contains("did you mean MODEL.NUM_JOINTS?"));
  }
  SECTION("a key in the wrong section") {
    const fs::path p = dir.write("section.yaml", kExtraW32 + "TRAIN:\n  FLIP_TEST: true\n");
    CHECK_THAT(load_error(p), Contains("TRAIN.FLIP_TEST in " + p.string()) &&
                                  Contains("did you mean TEST.FLIP_TEST?"));
  }
  SECTION("MODEL.EXTRA accepts only the keys pose_hrnet reads") {
    const fs::path p = dir.write("extra.yaml", kExtraW32 + "    STEM_INPLANES: 64\n");
    CHECK_THAT(load_error(p), Contains("MODEL.EXTRA.STEM_INPLANES in " + p.string()));
  }
}

TEST_CASE("values of the wrong type name the key, the file, the type and the value", "[config]") {
  TempDir dir;
  struct Case {
    std::string model_keys, message;
  };
  const std::vector<Case> cases = {
      {"  NUM_JOINTS: seventeen\n", "MODEL.NUM_JOINTS in {} (line 2): expected an integer, got 'seventeen'"},
      {"  SIGMA: 2.5\n", "MODEL.SIGMA in {} (line 2): expected an integer, got '2.5'"},
      {"  INIT_WEIGHTS: maybe\n", "MODEL.INIT_WEIGHTS in {} (line 2): expected a boolean"},
      {"  IMAGE_SIZE: [192]\n", "MODEL.IMAGE_SIZE in {} (line 2): expected a [width, height] pair of integers, got [192]"},
      {"  HEATMAP_SIZE: [48, a]\n", "MODEL.HEATMAP_SIZE in {} (line 2): expected a [width, height]"},
      {"  NAME: [pose_hrnet]\n", "MODEL.NAME in {} (line 2): expected a string, got [pose_hrnet]"},
      {"  SIGMA: {a: 1}\n", "MODEL.SIGMA in {} (line 2): expected an integer, got a mapping"},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    DYNAMIC_SECTION(cases[i].model_keys) {
      const fs::path p = dir.write("type" + std::to_string(i) + ".yaml", with_model_keys(cases[i].model_keys));
      std::string expected = cases[i].message;
      expected.replace(expected.find("{}"), 2, p.string());
      CHECK_THAT(load_error(p), Contains(expected));
    }
  }
  SECTION("a section given a value") {
    const fs::path p = dir.write("section.yaml", kExtraW32 + "CUDNN: 3\n");
    CHECK_THAT(load_error(p), Contains("CUDNN in " + p.string()) && Contains("expected a mapping"));
  }
  SECTION("a list of non-integers") {
    const fs::path p = dir.write("list.yaml", kExtraW32 + "TRAIN:\n  LR_STEP: [170, 2x]\n");
    CHECK_THAT(load_error(p), Contains("TRAIN.LR_STEP in " + p.string()) &&
                                  Contains("expected a list of integers"));
  }
}

TEST_CASE("file-level problems name the file", "[config]") {
  TempDir dir;
  SECTION("malformed YAML, with its line") {
    const fs::path p = dir.write("broken.yaml", "MODEL:\n  IMAGE_SIZE: [192, 256\n  SIGMA: 2\n");
    const std::string e = load_error(p);
    CHECK_THAT(e, Contains("malformed YAML in " + p.string() + " at line"));
  }
  SECTION("a missing file") {
    const fs::path p = dir.write("present.yaml", "").parent_path() / "absent.yaml";
    CHECK_THAT(load_error(p), Contains(p.string()) && Contains("does not exist"));
  }
  SECTION("a file without pose_hrnet's MODEL.EXTRA") {
    const fs::path p = dir.write("no_extra.yaml", "MODEL:\n  NUM_JOINTS: 17\n");
    const std::string e = load_error(p);
    CHECK_THAT(e, Contains(p.string() + " does not set MODEL.EXTRA.FINAL_CONV_KERNEL"));
    CHECK_THAT(e, Contains("MODEL.EXTRA.STAGE4.NUM_MODULES"));
  }
  SECTION("a duplicated key") {
    const fs::path p = dir.write("twice.yaml", kExtraW32 + "WORKERS: 2\nWORKERS: 3\n");
    CHECK_THAT(load_error(p), Contains(fmt::format("WORKERS appears twice in {} (lines {} and {})",
                                                   p.string(), line_after_extra(1),
                                                   line_after_extra(2))));
  }
  SECTION("a model other than pose_hrnet") {
    const fs::path p = dir.write("resnet.yaml", "MODEL:\n  NAME: pose_resnet\n  EXTRA:\n    NUM_LAYERS: 50\n");
    CHECK_THAT(load_error(p), Contains("MODEL.NAME in " + p.string() + " (line 2): only pose_hrnet"));
  }
  SECTION("a top level that is not a mapping") {
    const fs::path p = dir.write("list.yaml", "- 1\n- 2\n");
    CHECK_THAT(load_error(p), Contains(p.string()) && Contains("mapping"));
  }
}

TEST_CASE("bad overrides are clear errors", "[config]") {
  const fs::path p = experiment("coco/hrnet/w32_256x192_adam_lr1e-3.yaml");
  CHECK_THAT(load_error(p, {"TEST.USE_GT_BBOX", "False", "TEST.FLIP_TEST"}),
             Contains("KEY VALUE pairs") && Contains("3 items") && Contains("'TEST.FLIP_TEST' has no value"));
  CHECK_THAT(load_error(p, {"TEST.USE_GT_BOX", "False"}),
             Contains("unknown config key TEST.USE_GT_BOX in the command-line overrides") &&
                 Contains("did you mean TEST.USE_GT_BBOX?"));
  CHECK_THAT(load_error(p, {"TEST.USE_GT_BBOX", "maybe"}),
             Contains("TEST.USE_GT_BBOX in the command-line overrides: expected a boolean") &&
                 Contains("'maybe'"));
  CHECK_THAT(load_error(p, {"TRAIN.LR_STEP", "[170,"}),
             Contains("TRAIN.LR_STEP in the command-line overrides: expected a list of integers"));
  CHECK_THAT(load_error(p, {"GPUS", "0"}), Contains("GPUS in the command-line overrides: expected a tuple"));
  CHECK_THAT(load_error(p, {"MODEL.EXTRA", "{}"}),
             Contains("MODEL.EXTRA in the command-line overrides is a section"));
}

TEST_CASE("validation rejects settings the engine cannot run", "[config]") {
  const fs::path p = experiment("coco/hrnet/w32_256x192_adam_lr1e-3.yaml");
  using Overrides = std::vector<std::string>;
  struct Case {
    Overrides overrides;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"MODEL.EXTRA.STAGE3.NUM_BRANCHES", "2"},
       "MODEL.EXTRA.STAGE3.NUM_BLOCKS [4, 4, 4] must have one entry per branch"},
      {{"MODEL.EXTRA.STAGE2.NUM_CHANNELS", "[32]"}, "MODEL.EXTRA.STAGE2.NUM_CHANNELS [32] must have one entry"},
      {{"MODEL.EXTRA.STAGE4.BLOCK", "BASICC"}, "MODEL.EXTRA.STAGE4.BLOCK must be BASIC or BOTTLENECK, got 'BASICC'"},
      {{"MODEL.EXTRA.STAGE2.FUSE_METHOD", "CAT"}, "MODEL.EXTRA.STAGE2.FUSE_METHOD must be SUM"},
      {{"MODEL.TARGET_TYPE", "offset"}, "MODEL.TARGET_TYPE must be gaussian"},
      {{"MODEL.HEATMAP_SIZE", "[64, 64]"}, "MODEL.HEATMAP_SIZE [64, 64] must be MODEL.IMAGE_SIZE [192, 256] / 4"},
      {{"MODEL.EXTRA.FINAL_CONV_KERNEL", "2"}, "MODEL.EXTRA.FINAL_CONV_KERNEL must be 1 or 3"},
      {{"TRAIN.OPTIMIZER", "rmsprop"}, "TRAIN.OPTIMIZER must be adam or sgd"},
      {{"TRAIN.END_EPOCH", "-1"}, "TRAIN.END_EPOCH -1 is before TRAIN.BEGIN_EPOCH 0"},
      {{"GPUS", "()"}, "GPUS is empty"},
  };
  for (const Case& c : cases) {
    DYNAMIC_SECTION(c.overrides[0] << " " << c.overrides[1]) {
      const std::string e = load_error(p, c.overrides);
      CHECK_THAT(e, Contains(p.string() + " with the command-line overrides"));
      CHECK_THAT(e, Contains(c.message));
    }
  }
  SECTION("every problem is reported at once") {
    const std::string e = load_error(p, {"MODEL.NUM_JOINTS", "0", "TRAIN.BATCH_SIZE_PER_GPU", "0"});
    CHECK_THAT(e, Contains("2 problems") && Contains("MODEL.NUM_JOINTS") &&
                      Contains("TRAIN.BATCH_SIZE_PER_GPU"));
  }
  SECTION("a file's own settings are checked too") {
    TempDir dir;
    const fs::path bad = dir.write("bad.yaml", with_model_keys("  IMAGE_SIZE: [100, 100]\n"));
    CHECK_THAT(load_error(bad), Contains("invalid config (" + bad.string() + ")") &&
                                    Contains("MODEL.HEATMAP_SIZE"));
  }
}

TEST_CASE("to_yaml writes every official key and reads back to the same config", "[config]") {
  TempDir dir;
  const Config original = load_config(experiment("coco/hrnet/w48_384x288_adam_lr1e-3.yaml"),
                                      std::vector<std::string>{"DATASET.ROOT", "it's/here", "TRAIN.LR", "1e-5"});
  const std::string yaml = to_yaml(original);
  for (const std::string& key : config_keys()) {
    const std::string last = key.substr(key.rfind('.') + 1);
    CHECK_THAT(yaml, Contains(last + ":"));
  }
  CHECK_THAT(yaml, Contains("GPUS: (0, 1, 2, 3)\n"));
  CHECK_THAT(yaml, Contains("  IMAGE_SIZE: [288, 384]\n"));
  CHECK_THAT(yaml, Contains("      NUM_CHANNELS: [48, 96, 192, 384]\n"));
  CHECK_THAT(yaml, Contains("  LR: 1e-05\n"));
  CHECK_THAT(yaml, Contains("  GAMMA2: 0.0\n"));
  // Sorted like the official logger's dump of the yacs node.
  CHECK(yaml.find("DATASET:") < yaml.find("DATA_DIR:"));
  CHECK(yaml.find("DATA_DIR:") < yaml.find("DEBUG:"));
  const Config reread = load_config(dir.write("dump.yaml", yaml));
  CHECK(to_yaml(reread) == yaml);
  CHECK(reread.dataset.root == "it's/here");
  CHECK(reread.train.lr == 1e-5);
}

TEST_CASE("config_keys lists the official schema", "[config]") {
  const std::vector<std::string> keys = config_keys();
  CHECK(keys.size() == 91);
  for (const char* key : {"OUTPUT_DIR", "CUDNN.ENABLED", "MODEL.EXTRA.STAGE3.FUSE_METHOD",
                          "DATASET.HYBRID_JOINTS_TYPE", "TRAIN.GAMMA2", "TEST.MODEL_FILE",
                          "DEBUG.SAVE_HEATMAPS_PRED", "LOSS.USE_DIFFERENT_JOINTS_WEIGHT"})
    CHECK(std::find(keys.begin(), keys.end(), key) != keys.end());
}

TEST_CASE("output folders follow the official create_logger", "[config]") {
  const fs::path file = experiment("coco/hrnet/w32_256x192_adam_lr1e-3.yaml");
  Config c = load_config(file);
  const OutputNames n = output_names(c, file);
  CHECK(n.dataset == "coco");
  CHECK(n.model == "pose_hrnet");
  CHECK(n.cfg_name == "w32_256x192_adam_lr1e-3");
  CHECK(final_output_dir(c, file) == fs::path("output/coco/pose_hrnet/w32_256x192_adam_lr1e-3"));
  CHECK(tensorboard_log_dir(c, file, "2024-01-02-03-04") ==
        fs::path("log/coco/pose_hrnet/w32_256x192_adam_lr1e-3_2024-01-02-03-04"));

  c.dataset.hybrid_joints_type = "a:b";
  CHECK(output_names(c, file).dataset == "coco_a_b");
  // Everything after the first dot of the file name is dropped.
  CHECK(output_names(c, "dir/w32.v2.yaml").cfg_name == "w32");
}

TEST_CASE("join_data_dir prefixes DATA_DIR like the official update_config", "[config]") {
  Config c;
  c.data_dir = "/data";
  c.dataset.root = "coco/";
  c.model.pretrained = "models/w32.pth";
  c.test.model_file = "/abs/final_state.pth";
  join_data_dir(c);
  CHECK(c.dataset.root == "/data/coco/");
  CHECK(c.model.pretrained == "/data/models/w32.pth");
  CHECK(c.test.model_file == "/abs/final_state.pth");  // absolute paths stay as they are

  Config empty;
  empty.data_dir = "/data/";
  join_data_dir(empty);
  CHECK(empty.dataset.root == "/data/");
  CHECK(empty.model.pretrained.empty());
  CHECK(empty.test.model_file.empty());
}
