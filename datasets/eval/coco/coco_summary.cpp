// summarize() of cocoeval.py for iouType 'keypoints', its printed table and the JSON of the
// ten numbers.
#include <fmt/format.h>

#include <cmath>

#include "datasets/eval/coco/coco_eval.h"
#include "datasets/eval/numpy_sum.h"
#include "engine/io/file.h"

namespace hr::data::cocoeval {

const std::array<const char*, 10> kStatNames = {"AP", "AP50", "AP75", "APm", "APl",
                                                "AR", "AR50", "AR75", "ARm", "ARl"};

namespace {

// One _summarize(ap, iouThr, areaRng, maxDets=20) call; iou < 0 means all thresholds.
struct Query {
  bool ap;
  double iou;
  const char* area;
};
constexpr Query kQueries[10] = {{true, -1, "all"},     {true, .5, "all"},   {true, .75, "all"},
                                {true, -1, "medium"},  {true, -1, "large"}, {false, -1, "all"},
                                {false, .5, "all"},    {false, .75, "all"}, {false, -1, "medium"},
                                {false, -1, "large"}};
constexpr int kSummaryMaxDets = 20;

double summarize_one(const EvalResult& r, const Query& q) {
  // Thresholds by exact equality and area ranges by label, as pycocotools selects them;
  // a selection that finds nothing yields -1.
  std::vector<size_t> ts, as;
  for (size_t t = 0; t < r.T; ++t)
    if (q.iou < 0 || r.params.iou_thresholds[t] == q.iou) ts.push_back(t);
  for (size_t a = 0; a < r.A; ++a)
    if (r.params.area_ranges[a].label == q.area) as.push_back(a);
  std::vector<double> vals;  // C order of the selected numpy slice: t, (r,) k, a
  if (r.params.max_dets == kSummaryMaxDets) {
    for (const size_t t : ts) {
      if (q.ap) {
        for (size_t rr = 0; rr < r.R; ++rr)
          for (size_t k = 0; k < r.K; ++k)
            for (const size_t a : as) vals.push_back(r.precision_at(t, rr, k, a));
      } else {
        for (size_t k = 0; k < r.K; ++k)
          for (const size_t a : as) vals.push_back(r.recall_at(t, k, a));
      }
    }
  }
  std::vector<double> kept;
  for (const double v : vals)
    if (v > -1) kept.push_back(v);
  if (kept.empty()) return -1;
  return data::numpy_sum(kept.data(), kept.size()) / static_cast<double>(kept.size());
}

}  // namespace

std::array<double, 10> summarize(const EvalResult& r) {
  std::array<double, 10> s{};
  for (int i = 0; i < 10; ++i) s[i] = summarize_one(r, kQueries[i]);
  return s;
}

std::string format_summary(const EvalResult& r) {
  std::string out;
  for (int i = 0; i < 10; ++i) {
    const Query& q = kQueries[i];
    const std::string iou = q.iou < 0 ? fmt::format("{:0.2f}:{:0.2f}", r.params.iou_thresholds.front(),
                                                    r.params.iou_thresholds.back())
                                      : fmt::format("{:0.2f}", q.iou);
    fmt::format_to(std::back_inserter(out), " {:<18} {} @[ IoU={:<9} | area={:>6s} | maxDets={:>3d} ] = {:0.3f}\n",
                   q.ap ? "Average Precision" : "Average Recall", q.ap ? "(AP)" : "(AR)", iou, q.area,
                   kSummaryMaxDets, r.stats[i]);
  }
  return out;
}

void write_stats_json(const std::string& path, const std::array<double, 10>& stats) {
  std::string s = "{\n";
  for (int i = 0; i < 10; ++i) {
    // Stats are finite (means of values in [0, 1], or -1); {} round-trips the double.
    fmt::format_to(std::back_inserter(s), "  \"{}\": {}{}\n", kStatNames[i], stats[i], i < 9 ? "," : "");
  }
  s += "}\n";
  io::write_file_atomic(path, s);
}

}  // namespace hr::data::cocoeval
