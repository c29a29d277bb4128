#include "datasets/eval/mpii/mpii_gt.h"

#include <fmt/format.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "engine/error.h"

namespace hr::data {

namespace {

using mat::MatArray;
using mat::MatClass;
using nlohmann::json;
constexpr int kJ = MpiiGroundTruth::kJoints;

// A MAT array's N for the wanted shape `fixed` x N (fixed = {16} or {16, 2} or {2, 2}).
// MATLAB stores no trailing singleton dimensions, so a 16x2 array is a 16x2x1 one.
int64_t count_for_shape(const std::string& source, const MatArray& a,
                        const std::vector<int64_t>& fixed) {
  std::vector<int64_t> d = a.dims;
  const size_t rank = fixed.size() + 1;
  while (d.size() < rank) d.push_back(1);
  bool ok = true;
  for (size_t i = 0; i < fixed.size(); ++i) ok = ok && d[i] == fixed[i];
  for (size_t i = rank; i < d.size(); ++i) ok = ok && d[i] == 1;
  if (!ok) {
    std::string want;
    for (int64_t f : fixed) want += std::to_string(f) + "x";
    hr::fail("{}: variable '{}': wrong shape: {}, expected {}N", source, a.name, a.describe(), want);
  }
  return d[fixed.size()];
}

const MatArray& numeric_var(const mat::MatFile& f, const std::string& name) {
  const MatArray& a = f.get(name);
  HR_CHECK(a.is_numeric(), "{}: variable '{}' is {}, expected a real numeric or logical array",
           f.source, name, a.describe());
  return a;
}

// The text of a dataset_joints entry: a char array, or a cell holding one (nested cells
// appear when the names were saved as a cell of cells).
bool entry_name(const MatArray& a, std::string& out) {
  if (!a.supported) return false;
  if (a.cls == MatClass::Char) {
    if (a.rows.size() != 1) return false;
    out = a.rows[0];
    return true;
  }
  if (a.cls == MatClass::Cell && a.cells.size() == 1) return entry_name(a.cells[0], out);
  return false;
}

// dataset_joints: a cell of 16 names, or a 16-row char matrix (rows padded with spaces).
// Anything else we cannot read falls back to the official order rather than failing,
// because only the joint indices come from it.
std::vector<std::string> joint_names_from(const mat::MatFile& f) {
  const MatArray* a = f.find("dataset_joints");
  if (!a || !a->supported) return mpii_default_joint_names();
  std::vector<std::string> names;
  if (a->cls == MatClass::Cell) {
    for (const MatArray& c : a->cells) {
      std::string s;
      if (!entry_name(c, s)) return mpii_default_joint_names();
      names.push_back(s);
    }
  } else if (a->cls == MatClass::Char) {
    for (std::string s : a->rows) names.push_back(s.substr(0, s.find_last_not_of(' ') + 1));
  } else {
    return mpii_default_joint_names();
  }
  HR_CHECK(names.size() == kJ, "{}: variable 'dataset_joints' holds {} names, expected {}", f.source,
           names.size(), kJ);
  return names;
}

void check_missing(const MpiiGroundTruth& gt) {
  for (size_t i = 0; i < gt.jnt_missing.size(); ++i) {
    const double v = gt.jnt_missing[i];
    HR_CHECK(v == 0.0 || v == 1.0,
             "{}: jnt_missing[joint {}, image {}] = {}: must be 0 (visible) or 1 (missing)",
             gt.source, i % kJ, i / kJ, v);
  }
}

// ---- JSON -------------------------------------------------------------------------------

double json_number(const json& v, const std::string& where) {
  if (v.is_null()) return std::nan("");
  HR_CHECK(v.is_number(), "{}: expected a number", where);
  return v.get<double>();
}

// Nested lists of shape fixed x N (numpy's tolist() order) into column-major storage.
// Returns N; every innermost list must have the same length.
int64_t json_array(const std::string& source, const json& root, const std::string& key,
                   const std::vector<int64_t>& fixed, std::vector<double>& out) {
  HR_CHECK(root.contains(key), "{}: no field '{}'", source, key);
  const json& top = root[key];
  // Walk the fixed dimensions; leaves are the lists of N values.
  std::vector<const json*> leaves;
  std::vector<std::string> leaf_paths;
  std::vector<std::pair<const json*, std::string>> level = {{&top, key}};
  for (int64_t dim : fixed) {
    std::vector<std::pair<const json*, std::string>> next;
    for (auto& [node, path] : level) {
      HR_CHECK(node->is_array() && static_cast<int64_t>(node->size()) == dim,
               "{}: {} must be a list of {} lists", source, path, dim);
      for (int64_t i = 0; i < dim; ++i)
        next.push_back({&(*node)[static_cast<size_t>(i)], fmt::format("{}[{}]", path, i)});
    }
    level = std::move(next);
  }
  // `level` is in row-major order of the fixed dims; column-major puts the first index
  // fastest, so compute each leaf's column-major offset.
  int64_t n = -1;
  for (auto& [node, path] : level) {
    HR_CHECK(node->is_array(), "{}: {} must be a list of numbers", source, path);
    if (n < 0) n = static_cast<int64_t>(node->size());
    HR_CHECK(static_cast<int64_t>(node->size()) == n, "{}: {} holds {} values, the lists before it in {} hold {}",
             source, path, node->size(), key, n);
  }
  int64_t block = 1;
  for (int64_t d : fixed) block *= d;
  out.assign(static_cast<size_t>(block * n), 0.0);
  for (int64_t leaf = 0; leaf < block; ++leaf) {
    // Row-major index -> (i0, i1, ...) -> column-major offset.
    int64_t rem = leaf, col = 0, stride = 1;
    std::vector<int64_t> idx(fixed.size());
    for (size_t k = fixed.size(); k-- > 0;) {
      idx[k] = rem % fixed[k];
      rem /= fixed[k];
    }
    for (size_t k = 0; k < fixed.size(); ++k) {
      col += idx[k] * stride;
      stride *= fixed[k];
    }
    const auto& [node, path] = level[static_cast<size_t>(leaf)];
    for (int64_t i = 0; i < n; ++i)
      out[static_cast<size_t>(col + block * i)] =
          json_number((*node)[static_cast<size_t>(i)], fmt::format("{}: {}[{}]", source, path, i));
  }
  return n;
}

}  // namespace

const std::vector<std::string>& mpii_default_joint_names() {
  static const std::vector<std::string> names = {"rank", "rkne", "rhip", "lhip", "lkne", "lank",
                                                 "pelv", "thor", "neck", "head", "rwri", "relb",
                                                 "rsho", "lsho", "lelb", "lwri"};
  return names;
}

int MpiiGroundTruth::joint_index(const std::string& name) const {
  for (size_t j = 0; j < joint_names.size(); ++j)
    if (joint_names[j] == name) return static_cast<int>(j);
  hr::fail("{}: dataset_joints has no joint named '{}'", source, name);
}

MpiiGroundTruth mpii_gt_from_mat(const mat::MatFile& f) {
  MpiiGroundTruth gt;
  gt.source = f.source;
  const MatArray& miss = numeric_var(f, "jnt_missing");
  const MatArray& pos = numeric_var(f, "pos_gt_src");
  const MatArray& box = numeric_var(f, "headboxes_src");
  const int64_t n = count_for_shape(f.source, miss, {kJ});
  const int64_t n_pos = count_for_shape(f.source, pos, {kJ, 2});
  const int64_t n_box = count_for_shape(f.source, box, {2, 2});
  HR_CHECK(n_pos == n && n_box == n,
           "{}: image counts differ: jnt_missing {}, pos_gt_src {}, headboxes_src {}", f.source, n,
           n_pos, n_box);
  gt.num_images = n;
  gt.jnt_missing = miss.values;
  gt.pos_gt_src = pos.values;
  gt.headboxes_src = box.values;
  gt.joint_names = joint_names_from(f);
  check_missing(gt);
  return gt;
}

MpiiGroundTruth mpii_gt_from_json_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  HR_CHECK(in, "{}: cannot open", path);
  std::stringstream ss;
  ss << in.rdbuf();
  json root;
  try {
    root = json::parse(ss.str());
  } catch (const json::exception& e) {
    hr::fail("{}: invalid JSON: {}", path, e.what());
  }
  return mpii_gt_from_json(root, path);
}

MpiiGroundTruth mpii_gt_from_json(const json& root, const std::string& path) {
  HR_CHECK(root.is_object(), "{}: expected a JSON object", path);
  MpiiGroundTruth gt;
  gt.source = path;
  const int64_t n = json_array(path, root, "jnt_missing", {kJ}, gt.jnt_missing);
  const int64_t n_pos = json_array(path, root, "pos_gt_src", {kJ, 2}, gt.pos_gt_src);
  const int64_t n_box = json_array(path, root, "headboxes_src", {2, 2}, gt.headboxes_src);
  HR_CHECK(n_pos == n && n_box == n,
           "{}: image counts differ: jnt_missing {}, pos_gt_src {}, headboxes_src {}", path, n,
           n_pos, n_box);
  gt.num_images = n;
  if (root.contains("dataset_joints")) {
    const json& names = root["dataset_joints"];
    HR_CHECK(names.is_array() && names.size() == kJ, "{}: dataset_joints must be a list of {} names",
             path, kJ);
    for (const json& s : names) {
      HR_CHECK(s.is_string(), "{}: dataset_joints must hold strings", path);
      gt.joint_names.push_back(s.get<std::string>());
    }
  } else {
    gt.joint_names = mpii_default_joint_names();
  }
  check_missing(gt);
  return gt;
}

MpiiGroundTruth load_mpii_gt(const std::string& path) {
  const bool is_json = path.size() >= 5 && path.compare(path.size() - 5, 5, ".json") == 0;
  if (is_json) return mpii_gt_from_json_file(path);
  return mpii_gt_from_mat(mat::read_mat_v5(path));
}

}  // namespace hr::data
