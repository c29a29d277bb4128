// The official HRNet experiment configuration (leoxiaobin/deep-high-resolution-net.pytorch,
// lib/config/default.py) as typed C++ structs.
//
// Every field carries the official code default, so a key absent from a YAML keeps the value
// the official tools would use. Field names are the official keys in snake_case; the official
// spelling (e.g. MODEL.EXTRA.STAGE2.NUM_CHANNELS) is what users meet in YAML files, command-line
// overrides, error messages and to_yaml(), so official experiment files and official
// `KEY VALUE` command lines work unchanged.
//
// Reading follows yacs (merge_from_file / merge_from_list, with strings literal_eval'd, so
// `GPUS: (0,1,2,3)` is a tuple) except where being strict or lenient is plainly better:
//  - MODEL.EXTRA is free-form (new_allowed) in yacs; here it holds exactly the keys
//    pose_hrnet reads, a file must set all of them (pose_hrnet.py fails on a missing one),
//    and any other EXTRA key is an unknown-key error. MODEL.NAME must be pose_hrnet.
//  - A key that appears twice in one file is an error (PyYAML keeps the last silently).
//  - An integer is accepted for a float key (yacs rejects `LR: 1`), any scalar for a string
//    key (yacs rejects `TRAIN_SET: 2017`), and an empty value for a string key means ''.
//  - Booleans take the YAML 1.1 spellings (true, True, yes, on, ...) and Python's True/False,
//    in files and overrides alike.
//  - validate() adds checks the official code leaves to a crash later on.
#pragma once

#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hr::cfg {

// MODEL.IMAGE_SIZE / MODEL.HEATMAP_SIZE are written [W, H] in the official YAMLs; naming the
// two members keeps everyone from reading them the other way round.
struct WidthHeight {
  int width = 0;
  int height = 0;
  friend bool operator==(const WidthHeight&, const WidthHeight&) = default;
};

// CUDNN: kept for schema compatibility; the CUDA backend may map BENCHMARK to its autotuner.
struct CudnnConfig {
  bool benchmark = true;
  bool deterministic = false;
  bool enabled = true;
};

// MODEL.EXTRA.STAGE{2,3,4}: one HRNet stage of NUM_MODULES HighResolutionModules.
struct StageConfig {
  int num_modules = 1;
  int num_branches = 2;
  std::string block = "BASIC";            // BASIC or BOTTLENECK
  std::vector<int> num_blocks{4, 4};      // one entry per branch
  std::vector<int> num_channels{32, 64};  // one entry per branch
  std::string fuse_method = "SUM";        // the only fuse method of the official code
};

// MODEL.EXTRA. In default.py it is a free-form node with no defaults (pose_hrnet.py reads the
// keys below from the YAML and fails if one is missing), so load_config() requires a YAML to
// set all of them. The member defaults here are the HRNet-W32 pose architecture of the
// official experiment files, so that a Config built in code describes a real network.
struct ModelExtraConfig {
  std::vector<std::string> pretrained_layers{"conv1",  "bn1",         "conv2",  "bn2",
                                             "layer1", "transition1", "stage2", "transition2",
                                             "stage3", "transition3", "stage4"};
  int final_conv_kernel = 1;  // 1 or 3 (padding 1 if 3, else 0)
  StageConfig stage2{1, 2, "BASIC", {4, 4}, {32, 64}, "SUM"};
  StageConfig stage3{4, 3, "BASIC", {4, 4, 4}, {32, 64, 128}, "SUM"};
  StageConfig stage4{3, 4, "BASIC", {4, 4, 4, 4}, {32, 64, 128, 256}, "SUM"};
};

struct ModelConfig {
  std::string name = "pose_hrnet";
  bool init_weights = true;
  std::string pretrained;  // ImageNet checkpoint copied into PRETRAINED_LAYERS when training
  int num_joints = 17;
  bool tag_per_joint = true;  // unused by pose_hrnet; kept because it is part of the schema
  std::string target_type = "gaussian";
  WidthHeight image_size{256, 256};   // network input [W, H]
  WidthHeight heatmap_size{64, 64};   // network output [W, H] = image_size / 4
  int sigma = 2;  // Gaussian target sigma in heatmap pixels (an integer in the official schema)
  ModelExtraConfig extra;
};

struct LossConfig {
  bool use_ohkm = false;  // never read by the official train.py
  int topk = 8;
  bool use_target_weight = true;
  bool use_different_joints_weight = false;
};

struct DatasetConfig {
  std::string root;
  std::string dataset = "mpii";
  std::string train_set = "train";
  std::string test_set = "valid";
  std::string data_format = "jpg";
  std::string hybrid_joints_type;
  bool select_data = false;
  // training augmentation
  bool flip = true;
  double scale_factor = 0.25;
  int rot_factor = 30;  // degrees; an integer in the official schema
  double prob_half_body = 0.0;
  int num_joints_half_body = 8;
  bool color_rgb = false;
};

struct TrainConfig {
  double lr_factor = 0.1;
  std::vector<int> lr_step{90, 110};
  double lr = 0.001;
  std::string optimizer = "adam";  // adam or sgd
  double momentum = 0.9;           // sgd only
  double wd = 0.0001;              // sgd only: the official Adam gets no weight decay
  bool nesterov = false;
  double gamma1 = 0.99;
  double gamma2 = 0.0;
  int begin_epoch = 0;
  int end_epoch = 140;
  bool resume = false;
  std::string checkpoint;
  int batch_size_per_gpu = 32;
  bool shuffle = true;
};

struct TestConfig {
  int batch_size_per_gpu = 32;
  bool flip_test = false;
  bool post_process = false;
  bool shift_heatmap = false;
  bool use_gt_bbox = false;
  double image_thre = 0.1;
  double nms_thre = 0.6;
  bool soft_nms = false;
  double oks_thre = 0.5;
  double in_vis_thre = 0.0;
  std::string coco_bbox_file;
  double bbox_thre = 1.0;
  std::string model_file;
};

struct DebugConfig {
  bool debug = false;
  bool save_batch_images_gt = false;
  bool save_batch_images_pred = false;
  bool save_heatmaps_gt = false;
  bool save_heatmaps_pred = false;
};

struct Config {
  std::string output_dir;
  std::string log_dir;
  std::string data_dir;
  std::vector<int> gpus{0};  // GPUS, a tuple such as (0,1,2,3) in the official files
  int workers = 4;
  int print_freq = 20;
  bool auto_resume = false;
  bool pin_memory = true;
  int rank = 0;
  CudnnConfig cudnn;
  ModelConfig model;
  LossConfig loss;
  DatasetConfig dataset;
  TrainConfig train;
  TestConfig test;
  DebugConfig debug;
};

// Defaults, then the YAML file, then the `KEY VALUE` overrides, then validate(). Throws
// hr::Error naming the dotted key and the file (and line) for: a missing or unreadable file,
// malformed YAML, an unknown key, a value of the wrong type, a pose_hrnet MODEL.EXTRA key the
// file leaves out, a bad override list, or a setting validate() rejects.
Config load_config(const std::filesystem::path& yaml_path,
                   std::span<const std::string> overrides = {});

// The pieces of load_config(), for tools that layer several sources. merge_from_file()
// leaves keys the file does not mention alone and does not require MODEL.EXTRA.
void merge_from_file(Config& cfg, const std::filesystem::path& yaml_path);
// yacs merge_from_list: items alternate official dotted keys and values written as on the
// official command line (`TEST.USE_GT_BBOX False`, `TRAIN.LR_STEP [170,200]`, `GPUS (0,)`).
void merge_from_list(Config& cfg, std::span<const std::string> key_value_pairs);
// Checks that the settings describe something the engine can run; `source` names where the
// config came from in the messages. Throws hr::Error listing every problem found.
void validate(const Config& cfg, std::string_view source = "the config");

// The whole config as YAML with the official keys, sorted like the official logger's dump of
// the yacs node. load_config() reads it back to the same values.
std::string to_yaml(const Config& cfg);

// Every official dotted key the schema knows, sorted.
std::vector<std::string> config_keys();

// The tail of the official update_config(): DATASET.ROOT, MODEL.PRETRAINED and a non-empty
// TEST.MODEL_FILE are joined onto DATA_DIR (os.path.join rules: an absolute path stays as it
// is). Call after the app has applied its --dataDir/--modelDir/--logDir options.
void join_data_dir(Config& cfg);

// Names of the official output folders (lib/utils/utils.py create_logger): the trainer writes
// to OUTPUT_DIR/<dataset>/<model>/<cfg_name>/.
struct OutputNames {
  std::string dataset;   // DATASET.DATASET, + "_" + HYBRID_JOINTS_TYPE if set, ':' -> '_'
  std::string model;     // MODEL.NAME
  std::string cfg_name;  // the config file name up to its first '.'
};
OutputNames output_names(const Config& cfg, const std::filesystem::path& cfg_file);
std::filesystem::path final_output_dir(const Config& cfg, const std::filesystem::path& cfg_file);
// LOG_DIR/<dataset>/<model>/<cfg_name>_<time_str>, time_str formatted as %Y-%m-%d-%H-%M.
std::filesystem::path tensorboard_log_dir(const Config& cfg, const std::filesystem::path& cfg_file,
                                          std::string_view time_str);

}  // namespace hr::cfg
