#include "hrnet/config/config.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include "engine/error.h"
#include "hrnet/config/schema.h"
#include "hrnet/config/value.h"

namespace hr::cfg {
namespace {

using detail::FieldSpec;
using detail::RawValue;

constexpr std::string_view kCommandLine = "the command-line overrides";

std::string join_key(const std::string& prefix, const std::string& name) {
  return prefix.empty() ? name : prefix + "." + name;
}

std::string did_you_mean(std::string_view key) {
  const std::string hint = detail::closest_key(key);
  return hint.empty() ? std::string() : fmt::format(" (did you mean {}?)", hint);
}

[[noreturn]] void fail_unknown_key(std::string_view key, std::string_view where) {
  hr::fail("unknown config key {} in {}{}", key, where, did_you_mean(key));
}

std::string read_text_file(const std::filesystem::path& path) {
  std::error_code ec;
  HR_CHECK(std::filesystem::is_regular_file(path, ec), "config file {} does not exist{}",
           path.string(), std::filesystem::exists(path, ec) ? " as a regular file" : "");
  std::ifstream in(path, std::ios::binary);
  HR_CHECK(in.good(), "cannot open config file {}: {}", path.string(), std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

YAML::Node parse_yaml(const std::string& text, const std::filesystem::path& path) {
  try {
    return YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    hr::fail("malformed YAML in {} at line {}, column {}: {}", path.string(), e.mark.line + 1,
             e.mark.column + 1, e.msg);
  } catch (const YAML::Exception& e) {
    hr::fail("cannot read YAML in {}: {}", path.string(), e.what());
  }
}

std::string shown_scalar(const YAML::Node& node) { return fmt::format("'{}'", node.Scalar()); }

RawValue raw_from_yaml(const YAML::Node& node) {
  RawValue raw;
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      raw.shape = RawValue::Shape::Null;
      raw.shown = "an empty value";
      return raw;
    case YAML::NodeType::Scalar:
      raw.shape = RawValue::Shape::Scalar;
      raw.text = node.Scalar();
      raw.shown = shown_scalar(node);
      return raw;
    case YAML::NodeType::Sequence:
      raw.shape = RawValue::Shape::Sequence;
      for (const YAML::Node& item : node) {
        if (!item.IsScalar()) {
          raw.shape = RawValue::Shape::Other;
          raw.shown = "a nested sequence";
          return raw;
        }
        raw.items.push_back(item.Scalar());
      }
      raw.shown = fmt::format("[{}]", fmt::join(raw.items, ", "));
      return raw;
    case YAML::NodeType::Map:
      raw.shape = RawValue::Shape::Other;
      raw.shown = "a mapping";
      return raw;
  }
  return raw;
}

// Merges one YAML file into a Config, remembering which keys it set.
class FileMerger {
 public:
  FileMerger(Config& cfg, std::filesystem::path path) : cfg_(cfg), path_(std::move(path)) {}

  void merge(const YAML::Node& root) {
    if (root.IsNull()) return;  // an empty file changes nothing, as with yacs
    HR_CHECK(root.IsMap(), "{} must hold a mapping of config keys at the top level",
             path_.string());
    merge_mapping(root, "");
  }

  bool sets(const std::string& key) const { return lines_.contains(key); }

 private:
  std::string where(int line) const { return fmt::format("{} (line {})", path_.string(), line); }

  void merge_mapping(const YAML::Node& map, const std::string& prefix) {
    for (auto it = map.begin(); it != map.end(); ++it) {
      const int line = it->first.Mark().line + 1;
      HR_CHECK(it->first.IsScalar(), "a key under {} in {} is not a plain name",
               prefix.empty() ? "the top level" : prefix, where(line));
      merge_entry(join_key(prefix, it->first.Scalar()), it->second, line);
    }
  }

  void merge_entry(const std::string& key, const YAML::Node& value, int line) {
    remember(key, line);
    if (const FieldSpec* field = detail::find_field(key)) {
      const std::string problem = detail::assign(cfg_, *field, raw_from_yaml(value));
      HR_CHECK(problem.empty(), "{} in {}: {}", key, where(line), problem);
    } else if (detail::is_section(key)) {
      HR_CHECK(value.IsMap(), "{} in {}: expected a mapping of keys, got {}", key, where(line),
               raw_from_yaml(value).shown);
      if (key == "MODEL") check_model_name(value);
      merge_mapping(value, key);
    } else {
      fail_unknown_key(key, where(line));
    }
  }

  // PyYAML lets a later duplicate win silently; a duplicate is almost always an editing
  // mistake, so it is reported instead.
  void remember(const std::string& key, int line) {
    const auto [it, inserted] = lines_.emplace(key, line);
    HR_CHECK(inserted, "{} appears twice in {} (lines {} and {})", key, path_.string(),
             it->second, line);
  }

  // Only pose_hrnet's MODEL.EXTRA keys are known. Checking the name before EXTRA is merged
  // turns "unknown key MODEL.EXTRA.NUM_LAYERS" for a pose_resnet file into the real reason.
  void check_model_name(const YAML::Node& model) {
    const YAML::Node name = model["NAME"];
    if (!name || !name.IsScalar() || name.Scalar() == "pose_hrnet") return;
    hr::fail("MODEL.NAME in {}: only pose_hrnet is supported, got '{}'",
             where(name.Mark().line + 1), name.Scalar());
  }

  Config& cfg_;
  std::filesystem::path path_;
  std::map<std::string, int> lines_;  // every key the file set, with its line
};

void require_model_extra(const FileMerger& merged, const std::filesystem::path& path) {
  std::vector<std::string> missing;
  for (const FieldSpec& f : detail::schema())
    if (f.required_in_file && !merged.sets(f.key)) missing.push_back(f.key);
  HR_CHECK(missing.empty(),
           "{} does not set {}: pose_hrnet reads these keys, and MODEL.EXTRA has no defaults in "
           "the official schema",
           path.string(), fmt::join(missing, ", "));
}

FileMerger merge_file_into(Config& cfg, const std::filesystem::path& path) {
  const YAML::Node root = parse_yaml(read_text_file(path), path);
  FileMerger merger(cfg, path);
  merger.merge(root);
  return merger;
}

std::string first_key_under(const std::string& section) {
  for (const FieldSpec& f : detail::schema())
    if (f.key.starts_with(section + ".")) return f.key;
  return section;
}

void apply_override(Config& cfg, const std::string& key, const std::string& value) {
  const FieldSpec* field = detail::find_field(key);
  if (!field) {
    HR_CHECK(!detail::is_section(key),
             "{} in {} is a section; override its keys one at a time (e.g. {})", key,
             kCommandLine, first_key_under(key));
    fail_unknown_key(key, kCommandLine);
  }
  const std::string problem = detail::assign(cfg, *field, detail::scalar_from_command_line(value));
  HR_CHECK(problem.empty(), "{} in {}: {}", key, kCommandLine, problem);
}

// os.path.join(a, b) for two parts: an absolute b replaces a.
std::string python_path_join(const std::string& a, const std::string& b) {
  if (a.empty() || (!b.empty() && b.front() == '/')) return b;
  return a.back() == '/' ? a + b : a + "/" + b;
}

std::vector<std::string> split_key(std::string_view key) {
  std::vector<std::string> parts;
  for (size_t start = 0;;) {
    const size_t dot = key.find('.', start);
    parts.emplace_back(key.substr(start, dot - start));
    if (dot == std::string_view::npos) return parts;
    start = dot + 1;
  }
}

std::string describe_source(const std::filesystem::path& path, std::span<const std::string> overrides) {
  return overrides.empty() ? path.string()
                           : fmt::format("{} with the command-line overrides", path.string());
}

}  // namespace

void merge_from_file(Config& cfg, const std::filesystem::path& yaml_path) {
  merge_file_into(cfg, yaml_path);
}

void merge_from_list(Config& cfg, std::span<const std::string> key_value_pairs) {
  HR_CHECK(key_value_pairs.size() % 2 == 0,
           "config overrides must be KEY VALUE pairs, but {} items were given ('{}' has no value)",
           key_value_pairs.size(), key_value_pairs.back());
  for (size_t i = 0; i < key_value_pairs.size(); i += 2)
    apply_override(cfg, key_value_pairs[i], key_value_pairs[i + 1]);
}

Config load_config(const std::filesystem::path& yaml_path, std::span<const std::string> overrides) {
  Config cfg;
  const FileMerger merged = merge_file_into(cfg, yaml_path);
  require_model_extra(merged, yaml_path);
  merge_from_list(cfg, overrides);
  validate(cfg, describe_source(yaml_path, overrides));
  return cfg;
}

std::string to_yaml(const Config& cfg) {
  Config copy = cfg;  // the field table hands out mutable references
  std::string out;
  std::vector<std::string> open;  // the sections the previous key was in
  for (const FieldSpec& f : detail::schema()) {
    const std::vector<std::string> parts = split_key(f.key);
    const size_t depth = parts.size() - 1;
    size_t shared = 0;
    while (shared < open.size() && shared < depth && open[shared] == parts[shared]) ++shared;
    open.resize(shared);
    for (size_t level = shared; level < depth; ++level) {
      out += fmt::format("{:{}}{}:\n", "", 2 * level, parts[level]);
      open.push_back(parts[level]);
    }
    out += fmt::format("{:{}}{}: {}\n", "", 2 * depth, parts[depth], detail::format_value(copy, f));
  }
  return out;
}

std::vector<std::string> config_keys() {
  std::vector<std::string> keys;
  for (const FieldSpec& f : detail::schema()) keys.push_back(f.key);
  return keys;
}

void join_data_dir(Config& cfg) {
  cfg.dataset.root = python_path_join(cfg.data_dir, cfg.dataset.root);
  // The official code joins PRETRAINED even when it is empty, which turns '' into
  // 'DATA_DIR/' and makes init_weights report a missing file; an empty path stays empty here.
  if (!cfg.model.pretrained.empty())
    cfg.model.pretrained = python_path_join(cfg.data_dir, cfg.model.pretrained);
  if (!cfg.test.model_file.empty())
    cfg.test.model_file = python_path_join(cfg.data_dir, cfg.test.model_file);
}

OutputNames output_names(const Config& cfg, const std::filesystem::path& cfg_file) {
  OutputNames names;
  names.dataset = cfg.dataset.hybrid_joints_type.empty()
                      ? cfg.dataset.dataset
                      : cfg.dataset.dataset + "_" + cfg.dataset.hybrid_joints_type;
  std::replace(names.dataset.begin(), names.dataset.end(), ':', '_');
  names.model = cfg.model.name;
  // os.path.basename(cfg_name).split('.')[0]: everything before the first dot.
  const std::string file_name = cfg_file.filename().string();
  names.cfg_name = file_name.substr(0, file_name.find('.'));
  return names;
}

std::filesystem::path final_output_dir(const Config& cfg, const std::filesystem::path& cfg_file) {
  const OutputNames n = output_names(cfg, cfg_file);
  return std::filesystem::path(cfg.output_dir) / n.dataset / n.model / n.cfg_name;
}

std::filesystem::path tensorboard_log_dir(const Config& cfg, const std::filesystem::path& cfg_file,
                                          std::string_view time_str) {
  const OutputNames n = output_names(cfg, cfg_file);
  return std::filesystem::path(cfg.log_dir) / n.dataset / n.model /
         fmt::format("{}_{}", n.cfg_name, time_str);
}

}  // namespace hr::cfg
