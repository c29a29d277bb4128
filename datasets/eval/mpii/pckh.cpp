// PCKh as MPIIDataset.evaluate computes it. This file is compiled with -ffp-contract=off
// (see CMakeLists.txt): a fused multiply-add in dx*dx + dy*dy would round differently from
// numpy and change which joints sit exactly on a threshold.
#include "datasets/eval/mpii/pckh.h"

#include "datasets/eval/numpy_sum.h"

#include <fmt/format.h>

#include <cmath>

#include "datasets/eval/mpii/mat_v5_writer.h"
#include "engine/error.h"

namespace hr::data {

namespace {

constexpr int kJ = PckhTable::kJoints;
constexpr double kScBias = 0.6;
constexpr double kThreshold = 0.5;
constexpr int kThresholds = 51;  // len(np.arange(0, 0.5 + 0.01, 0.01))
constexpr int kPelvis = 6, kThorax = 7;  // PCKh.mask[6:8] = True, by index, not by name

bool masked(int j) { return j == kPelvis || j == kThorax; }

// sum(PCK_j * jnt_ratio_j) over the unmasked joints.
double weighted_mean(const std::array<double, kJ>& pck, const std::array<double, kJ>& ratio) {
  std::array<double, kJ> prod{};
  for (int j = 0; j < kJ; ++j) prod[j] = masked(j) ? 0.0 : pck[j] * ratio[j];
  // Masked entries enter as 0 (filled(0)); np.sum's pairwise order (numpy_sum.h).
  return numpy_sum(prod.data(), prod.size());
}

std::string fmt3(double v) {
  if (std::isnan(v)) return "nan";  // Python prints NaN of either sign as "nan"
  return fmt::format("{:.3f}", v);
}

}  // namespace

std::vector<std::pair<std::string, double>> PckhTable::name_values() const {
  return {{"Head", head}, {"Shoulder", shoulder}, {"Elbow", elbow},
          {"Wrist", wrist}, {"Hip", hip},           {"Knee", knee},
          {"Ankle", ankle}, {"Mean", mean},         {"Mean@0.1", mean_at_0_1}};
}

PckhTable evaluate_pckh(const MpiiGroundTruth& gt,
                        std::span<const std::array<float, 2>> preds_0based) {
  const int64_t n_img = gt.num_images;
  HR_CHECK(static_cast<int64_t>(preds_0based.size()) == n_img * kJ,
           "evaluate_pckh: {} predictions, the ground truth {} has {} images x {} joints",
           preds_0based.size(), gt.source, n_img, kJ);
  // The arrays are public fields: check their sizes before indexing them.
  HR_CHECK(gt.jnt_missing.size() == static_cast<size_t>(kJ * n_img) &&
               gt.pos_gt_src.size() == static_cast<size_t>(2 * kJ * n_img) &&
               gt.headboxes_src.size() == static_cast<size_t>(4 * n_img),
           "evaluate_pckh: {}: array sizes {}, {}, {} do not match {} images", gt.source,
           gt.jnt_missing.size(), gt.pos_gt_src.size(), gt.headboxes_src.size(), n_img);
  HR_CHECK(gt.joint_names.size() == kJ, "evaluate_pckh: {}: {} joint names, expected {}", gt.source,
           gt.joint_names.size(), kJ);

  PckhTable t;
  // np.arange fills start + i * step, with step = (start + step) - start = 0.01.
  for (int r = 0; r < kThresholds; ++r) t.thresholds.push_back(r * 0.01);

  std::array<double, kJ> hits{};
  std::vector<std::array<double, kJ>> hits_all(kThresholds, std::array<double, kJ>{});
  for (int64_t n = 0; n < n_img; ++n) {
    const double hx = gt.headbox(1, 0, n) - gt.headbox(0, 0, n);
    const double hy = gt.headbox(1, 1, n) - gt.headbox(0, 1, n);
    const double headsize = std::sqrt(hx * hx + hy * hy) * kScBias;
    for (int j = 0; j < kJ; ++j) {
      const double visible = 1.0 - gt.missing(j, n);
      const std::array<float, 2>& p = preds_0based[static_cast<size_t>(n * kJ + j)];
      // preds[:, :, 0:2] + 1.0 on the float32 array stays float32.
      const float px = p[0] + 1.0f, py = p[1] + 1.0f;
      const double dx = static_cast<double>(px) - gt.pos(j, 0, n);
      const double dy = static_cast<double>(py) - gt.pos(j, 1, n);
      const double uv_err = std::sqrt(dx * dx + dy * dy);
      // Divide first, then multiply by visibility: inf * 0 and 0/0 give NaN, which never
      // passes <=, and the product with `visible` below zeroes it anyway.
      const double scaled = (uv_err / headsize) * visible;
      t.jnt_count[j] += visible;
      hits[j] += (scaled <= kThreshold ? 1.0 : 0.0) * visible;
      for (int r = 0; r < kThresholds; ++r)
        hits_all[r][j] += (scaled <= t.thresholds[r] ? 1.0 : 0.0) * visible;
    }
  }

  // np.divide(100. * hits, jnt_count): NaN where a joint has no visible instance.
  for (int j = 0; j < kJ; ++j) t.pckh[j] = (100.0 * hits[j]) / t.jnt_count[j];
  t.pck_all.resize(kThresholds);
  for (int r = 0; r < kThresholds; ++r)
    for (int j = 0; j < kJ; ++j) t.pck_all[r][j] = (100.0 * hits_all[r][j]) / t.jnt_count[j];

  // jnt_ratio = jnt_count / np.sum(jnt_count) over the unmasked joints (exact integer sum).
  double total = 0.0;
  for (int j = 0; j < kJ; ++j)
    if (!masked(j)) total += t.jnt_count[j];
  for (int j = 0; j < kJ; ++j) t.jnt_ratio[j] = masked(j) ? 0.0 : t.jnt_count[j] / total;

  auto pair = [&](const char* l, const char* r) {
    return 0.5 * (t.pckh[gt.joint_index(l)] + t.pckh[gt.joint_index(r)]);
  };
  t.head = t.pckh[gt.joint_index("head")];
  t.shoulder = pair("lsho", "rsho");
  t.elbow = pair("lelb", "relb");
  t.wrist = pair("lwri", "rwri");
  t.hip = pair("lhip", "rhip");
  t.knee = pair("lkne", "rkne");
  t.ankle = pair("lank", "rank");
  // No visible joint at all: numpy masks every ratio (0/0) and returns `masked`; NaN here.
  if (total == 0.0) {
    t.mean = t.mean_at_0_1 = std::nan("");
  } else {
    t.mean = weighted_mean(t.pckh, t.jnt_ratio);
    t.mean_at_0_1 = weighted_mean(t.pck_all[PckhTable::kMeanAt01Index], t.jnt_ratio);
  }
  return t;
}

std::string format_pckh_table(const PckhTable& table, const std::string& full_arch_name) {
  const auto nv = table.name_values();
  std::string head = "| Arch ";
  std::string rule;
  std::string row = "| " + (full_arch_name.size() > 15 ? full_arch_name.substr(0, 8) + "..."
                                                        : full_arch_name) + " ";
  for (size_t i = 0; i < nv.size(); ++i) {
    head += (i ? " | " : "| ") + nv[i].first;
    row += (i ? " | " : "| ") + fmt3(nv[i].second);
  }
  for (size_t i = 0; i <= nv.size(); ++i) rule += "|---";
  return head + " |\n" + rule + "|\n" + row + " |\n";
}

void write_pred_mat(const std::string& path, std::span<const std::array<float, 2>> preds_0based) {
  HR_CHECK(preds_0based.size() % kJ == 0, "write_pred_mat: {}: {} predictions, not a multiple of {}",
           path, preds_0based.size(), kJ);
  const int64_t n = static_cast<int64_t>(preds_0based.size()) / kJ;
  // N x 16 x 2 column-major: element (i, j, c) at i + N (j + 16 c).
  std::vector<float> data(preds_0based.size() * 2);
  for (int64_t i = 0; i < n; ++i)
    for (int j = 0; j < kJ; ++j)
      for (int c = 0; c < 2; ++c)
        data[static_cast<size_t>(i + n * (j + kJ * c))] =
            preds_0based[static_cast<size_t>(i * kJ + j)][c] + 1.0f;
  mat::write_mat_v5(path, "preds", {n, kJ, 2}, std::span<const float>(data));
}

}  // namespace hr::data
