// The official training-time accuracy (lib/core/evaluate.py `accuracy`, hm_type 'gaussian'):
// a PCK between the argmax of each predicted heatmap and the argmax of its target heatmap.
// It is only logged; it selects nothing unless a validation hook says so.
//
// The official quirks are kept on purpose, so that our logs read like the official ones:
//  - the argmax is numpy's (the first maximum in row-major order, a NaN counting as the
//    maximum: kern::heatmap_beats, the rule of every other peak finder here); a map whose
//    maximum is not > 0 gives (0, 0) (get_max_preds' mask);
//  - a joint counts only where its TARGET argmax has x > 1 and y > 1 (an all-zero target,
//    i.e. an invisible joint, gives (0, 0) and is ignored, and so is a real joint on the
//    first two rows or columns);
//  - distances are normalised by (H/10, W/10) applied to (x, y): x is divided by H/10 and y
//    by W/10 (the official code builds the norm as [h, w] / 10);
//  - a joint's accuracy is the fraction of its counted samples with distance < thr; the batch
//    accuracy is the mean over joints that had any counted sample, and `count` is how many
//    such joints there were (the official AverageMeter weighs batches by it).
#pragma once
#include <cstdint>
#include <vector>

#include "engine/tensor.h"

namespace hr::train {

struct HeatmapAccuracy {
  double avg = 0.0;               // mean over joints with a counted sample; 0 if none
  int count = 0;                  // joints with a counted sample
  std::vector<double> per_joint;  // J entries, -1 for a joint with none
};

// output and target: f32 heatmaps [B, H, W, J] (the engine's NHWC), on any device: the
// peaks are found on the maps' device (ops::heatmap_peaks), only B*J pairs reach the host.
HeatmapAccuracy heatmap_accuracy(const Tensor& output, const Tensor& target, double thr = 0.5);

// The same on host arrays [B][H][W][J].
HeatmapAccuracy heatmap_accuracy(const float* output, const float* target, int64_t batch,
                                 int64_t height, int64_t width, int64_t joints, double thr = 0.5);

// The official AverageMeter: the last value and the running weighted mean.
struct AverageMeter {
  double val = 0.0, sum = 0.0, count = 0.0, avg = 0.0;
  void update(double v, double n = 1.0) {
    val = v;
    sum += v * n;
    count += n;
    avg = count != 0.0 ? sum / count : 0.0;
  }
};

}  // namespace hr::train
