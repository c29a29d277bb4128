#include "datasets/eval/coco/coco_eval.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <exception>
#include <numeric>
#include <thread>

#include "datasets/eval/numpy_sum.h"
#include "engine/error.h"

namespace hr::data::cocoeval {

namespace {
constexpr double kEps = std::numeric_limits<double>::epsilon();  // np.spacing(1)
}  // namespace

std::vector<double> linspace(double start, double stop, int num) {
  std::vector<double> v(static_cast<size_t>(num));
  const double step = (stop - start) / (num - 1);
  for (int i = 0; i < num; ++i) v[i] = static_cast<double>(i) * step + start;
  if (num > 1) v.back() = stop;
  return v;
}

Params Params::keypoints() {
  Params p;
  static constexpr double kSigmas[kNumKeypoints] = {.26, .25, .25, .35, .35, .79, .79, .72, .72,
                                                     .62, .62, 1.07, 1.07, .87, .87, .89, .89};
  for (int k = 0; k < kNumKeypoints; ++k) p.sigmas[k] = kSigmas[k] / 10.0;
  p.iou_thresholds = linspace(.5, 0.95, 10);
  p.recall_thresholds = linspace(.0, 1.00, 101);
  p.area_ranges = {{"all", 0.0, 1e5 * 1e5}, {"medium", 32.0 * 32.0, 96.0 * 96.0}, {"large", 96.0 * 96.0, 1e5 * 1e5}};
  p.max_dets = 20;
  return p;
}

double compute_oks(const GtAnnotation& gt, const Keypoints& dt, const Params& params) {
  const Keypoints& g = gt.keypoints;
  int labelled = 0;
  for (int k = 0; k < kNumKeypoints; ++k) labelled += g[3 * k + 2] > 0;
  // A GT without labelled keypoints: distance to its box grown by w (h) on each side.
  const auto& bb = gt.bbox;
  const double x0 = bb[0] - bb[2], x1 = bb[0] + bb[2] * 2;
  const double y0 = bb[1] - bb[3], y1 = bb[1] + bb[3] * 2;
  const double scale = gt.area + kEps;
  double terms[kNumKeypoints];
  int n = 0;
  for (int k = 0; k < kNumKeypoints; ++k) {
    const double xd = dt[3 * k], yd = dt[3 * k + 1];
    double dx, dy;
    if (labelled > 0) {
      if (!(g[3 * k + 2] > 0)) continue;
      dx = xd - g[3 * k];
      dy = yd - g[3 * k + 1];
    } else {
      dx = std::max(0.0, x0 - xd) + std::max(0.0, xd - x1);
      dy = std::max(0.0, y0 - yd) + std::max(0.0, yd - y1);
    }
    const double var = (params.sigmas[k] * 2) * (params.sigmas[k] * 2);
    const double e = (dx * dx + dy * dy) / var / scale / 2;
    terms[n++] = std::exp(-e);
  }
  return data::numpy_sum(terms, static_cast<size_t>(n)) / n;
}

namespace {

// numpy argsort(-score, kind='mergesort'): descending, stable, NaN last.
template <typename ScoreOf>
void sort_by_score(std::vector<uint32_t>& idx, ScoreOf score) {
  std::stable_sort(idx.begin(), idx.end(), [&](uint32_t a, uint32_t b) {
    const double sa = score(a), sb = score(b);
    if (std::isnan(sa)) return false;
    if (std::isnan(sb)) return true;
    return sa > sb;
  });
}

// Index of `id` in the sorted unique `ids`, or -1.
long find_index(const std::vector<int64_t>& ids, int64_t id) {
  const auto it = std::lower_bound(ids.begin(), ids.end(), id);
  return (it != ids.end() && *it == id) ? static_cast<long>(it - ids.begin()) : -1;
}

// Counting sort of items into cells (image x category), keeping file order inside a cell.
struct Buckets {
  std::vector<uint32_t> start;  // cell c holds items[start[c] .. start[c+1])
  std::vector<uint32_t> items;
};
Buckets bucket(const std::vector<long>& cell_of, size_t cells) {
  Buckets b;
  b.start.assign(cells + 1, 0);
  for (const long c : cell_of)
    if (c >= 0) ++b.start[c + 1];
  for (size_t c = 0; c < cells; ++c) b.start[c + 1] += b.start[c];
  b.items.resize(b.start[cells]);
  std::vector<uint32_t> fill(b.start.begin(), b.start.end() - 1);
  for (size_t i = 0; i < cell_of.size(); ++i)
    if (cell_of[i] >= 0) b.items[fill[cell_of[i]]++] = static_cast<uint32_t>(i);
  return b;
}

// Per category and area range: every evaluated detection of every image, in image order and
// then per-image score order (pycocotools' concatenation of evalImgs).
struct Accum {
  bool any = false;    // some image had GT or detections (a non-None evalImg)
  int64_t npig = 0;    // non-ignored GT
  std::vector<double> scores;
  std::vector<uint32_t> tp, fp;  // bit t: a true / false positive at threshold t
};

// evaluateImg for images [i_begin, i_end) and every category / area range, appended to
// acc[k * A + a] in image order.
void evaluate_images(const GroundTruth& gt, const std::vector<Detection>& dts, const Params& p, const Buckets& gts_in,
                     const Buckets& dts_in, size_t i_begin, size_t i_end, std::vector<Accum>& acc) {
  const size_t K = gt.category_ids.size(), T = p.iou_thresholds.size(), A = p.area_ranges.size();
  std::vector<uint32_t> dorder, gorder;
  std::vector<double> oks;
  std::vector<char> ignored, crowd;
  std::vector<int64_t> gt_match;  // per threshold and sorted GT: the matched detection id
  std::vector<uint32_t> dt_matched_nonzero, dt_ignored;
  for (size_t i = i_begin; i < i_end; ++i) {
    for (size_t k = 0; k < K; ++k) {
      const size_t c = i * K + k;
      const uint32_t* g0 = gts_in.items.data() + gts_in.start[c];
      const size_t G = gts_in.start[c + 1] - gts_in.start[c];
      const uint32_t* d0 = dts_in.items.data() + dts_in.start[c];
      const size_t Dall = dts_in.start[c + 1] - dts_in.start[c];
      if (G == 0 && Dall == 0) continue;  // evaluateImg returns None

      dorder.assign(d0, d0 + Dall);
      sort_by_score(dorder, [&](uint32_t j) { return dts[j].score; });
      const size_t D = std::min(Dall, static_cast<size_t>(p.max_dets));
      // OKS of each kept detection (score order) with each GT (file order).
      oks.assign(D * G, 0.0);
      for (size_t d = 0; d < D; ++d)
        for (size_t g = 0; g < G; ++g) oks[d * G + g] = compute_oks(gt.annotations[g0[g]], dts[dorder[d]].keypoints, p);

      for (size_t a = 0; a < A; ++a) {
        const AreaRange& ar = p.area_ranges[a];
        Accum& ac = acc[k * A + a];
        ac.any = true;
        // GT order: not ignored first, then ignored, each in file order.
        gorder.clear();
        ignored.assign(G, 0);
        for (int pass = 0; pass < 2; ++pass) {
          for (size_t g = 0; g < G; ++g) {
            const GtAnnotation& ga = gt.annotations[g0[g]];
            const bool ig = ga.iscrowd != 0 || ga.num_keypoints == 0 || ga.area < ar.lo || ga.area > ar.hi;
            if (ig == (pass == 1)) gorder.push_back(static_cast<uint32_t>(g));
          }
        }
        crowd.resize(G);
        for (size_t j = 0; j < G; ++j) {
          const GtAnnotation& ga = gt.annotations[g0[gorder[j]]];
          ignored[j] = ga.iscrowd != 0 || ga.num_keypoints == 0 || ga.area < ar.lo || ga.area > ar.hi;
          crowd[j] = static_cast<int64_t>(ga.iscrowd) != 0;  // int(iscrowd)
          ac.npig += !ignored[j];
        }
        dt_matched_nonzero.assign(D, 0);
        dt_ignored.assign(D, 0);
        if (G > 0 && D > 0) {
          gt_match.assign(T * G, 0);
          for (size_t t = 0; t < T; ++t) {
            int64_t* gm = gt_match.data() + t * G;
            for (size_t d = 0; d < D; ++d) {
              double best = std::min(p.iou_thresholds[t], 1 - 1e-10);
              long m = -1;
              for (size_t j = 0; j < G; ++j) {
                if (gm[j] > 0 && !crowd[j]) continue;                 // taken, and not a crowd
                if (m > -1 && !ignored[m] && ignored[j]) break;        // matched a real GT already
                const double o = oks[d * G + gorder[j]];
                if (o < best) continue;
                best = o;
                m = static_cast<long>(j);
              }
              if (m == -1) continue;
              const Detection& det = dts[dorder[d]];
              if (ignored[m]) dt_ignored[d] |= 1u << t;
              if (gt.annotations[g0[gorder[m]]].id != 0) dt_matched_nonzero[d] |= 1u << t;  // dtm = gt id
              gm[m] = det.id;
            }
          }
        }
        const uint32_t all = T == 32 ? 0xFFFFFFFFu : ((1u << T) - 1);
        for (size_t d = 0; d < D; ++d) {
          const Detection& det = dts[dorder[d]];
          uint32_t ig = dt_ignored[d];
          // Unmatched detections outside the area range are ignored.
          if (det.area < ar.lo || det.area > ar.hi) ig |= ~dt_matched_nonzero[d] & all;
          ac.scores.push_back(det.score);
          ac.tp.push_back(dt_matched_nonzero[d] & ~ig & all);
          ac.fp.push_back(~dt_matched_nonzero[d] & ~ig & all);
        }
      }
    }
  }
}

}  // namespace

EvalResult evaluate(const GroundTruth& gt, const std::vector<Detection>& dts, const Params& p) {
  EvalResult res;
  res.params = p;
  res.category_ids = gt.category_ids;
  const size_t I = gt.image_ids.size(), K = gt.category_ids.size();
  const size_t T = p.iou_thresholds.size(), R = p.recall_thresholds.size(), A = p.area_ranges.size();
  HR_CHECK(T >= 1 && T <= 32, "COCO eval: {} OKS thresholds, at most 32 are supported", T);
  HR_CHECK(p.max_dets >= 0, "COCO eval: max_dets {} is negative", p.max_dets);
  res.T = T, res.R = R, res.K = K, res.A = A;
  res.precision.assign(T * R * K * A, -1.0);
  res.recall.assign(T * K * A, -1.0);

  // Only annotations and detections of GT images and GT categories take part.
  const size_t cells = I * K;
  std::vector<long> gt_cell(gt.annotations.size(), -1), dt_cell(dts.size(), -1);
  for (size_t j = 0; j < gt.annotations.size(); ++j) {
    const long i = find_index(gt.image_ids, gt.annotations[j].image_id);
    const long k = find_index(gt.category_ids, gt.annotations[j].category_id);
    if (i >= 0 && k >= 0) gt_cell[j] = i * static_cast<long>(K) + k;
  }
  for (size_t j = 0; j < dts.size(); ++j) {
    const long i = find_index(gt.image_ids, dts[j].image_id);
    const long k = find_index(gt.category_ids, dts[j].category_id);
    if (i >= 0 && k >= 0) dt_cell[j] = i * static_cast<long>(K) + k;
  }
  const Buckets gts_in = bucket(gt_cell, cells), dts_in = bucket(dt_cell, cells);

  // Two halves of the images at once; each half's lists are in image order, so the first
  // half's followed by the second's are pycocotools' concatenation.
  std::vector<Accum> acc(K * A), acc2(K * A);
  const size_t mid = I >= 64 ? I / 2 : I;  // small sets: one thread
  if (mid < I) {
    std::exception_ptr error;
    std::thread second([&] {
      try {
        evaluate_images(gt, dts, p, gts_in, dts_in, mid, I, acc2);
      } catch (...) {
        error = std::current_exception();
      }
    });
    evaluate_images(gt, dts, p, gts_in, dts_in, 0, mid, acc);
    second.join();
    if (error) std::rethrow_exception(error);
  } else {
    evaluate_images(gt, dts, p, gts_in, dts_in, 0, I, acc);
  }
  for (size_t j = 0; j < K * A; ++j) {
    acc[j].any = acc[j].any || acc2[j].any;
    acc[j].npig += acc2[j].npig;
    acc[j].scores.insert(acc[j].scores.end(), acc2[j].scores.begin(), acc2[j].scores.end());
    acc[j].tp.insert(acc[j].tp.end(), acc2[j].tp.begin(), acc2[j].tp.end());
    acc[j].fp.insert(acc[j].fp.end(), acc2[j].fp.begin(), acc2[j].fp.end());
  }

  // accumulate()
  std::vector<uint32_t> order;
  std::vector<double> rc, pr;
  for (size_t k = 0; k < K; ++k) {
    for (size_t a = 0; a < A; ++a) {
      const Accum& ac = acc[k * A + a];
      if (!ac.any || ac.npig == 0) continue;  // stays -1
      const size_t nd = ac.scores.size();
      order.resize(nd);
      std::iota(order.begin(), order.end(), 0u);
      sort_by_score(order, [&](uint32_t j) { return ac.scores[j]; });
      rc.resize(nd);
      pr.resize(nd);
      const double npig = static_cast<double>(ac.npig);
      for (size_t t = 0; t < T; ++t) {
        double tp = 0, fp = 0;
        for (size_t n = 0; n < nd; ++n) {
          tp += (ac.tp[order[n]] >> t) & 1u;
          fp += (ac.fp[order[n]] >> t) & 1u;
          rc[n] = tp / npig;
          pr[n] = tp / (fp + tp + kEps);
        }
        res.recall[(t * K + k) * A + a] = nd ? rc[nd - 1] : 0.0;
        for (size_t n = nd; n-- > 1;)
          if (pr[n] > pr[n - 1]) pr[n - 1] = pr[n];
        // searchsorted(rc, recThrs, side='left'); past the last recall the precision is 0.
        size_t j = 0;
        for (size_t r = 0; r < R; ++r) {
          while (j < nd && rc[j] < p.recall_thresholds[r]) ++j;
          res.precision[((t * R + r) * K + k) * A + a] = j < nd ? pr[j] : 0.0;
        }
      }
    }
  }
  res.stats = summarize(res);
  return res;
}

}  // namespace hr::data::cocoeval
