// The official flip test (TEST.FLIP_TEST, lib/core/function.py validate): the input batch
// mirrored along its width, the network's output on it mapped back (flip_back: mirror, swap
// left/right joints), shifted one pixel right (TEST.SHIFT_HEATMAP), averaged with the output
// on the unflipped batch.
#pragma once
#include <span>
#include <utility>

#include "datasets/eval/postprocess/heatmaps.h"
#include "engine/tensor.h"

namespace hr::data::post {

using FlipPairs = std::span<const std::pair<int, int>>;  // e.g. coco_joints().flip_pairs

// flip_back: dst[i][j][y][x] = src[i][swap(j)][y][W-1-x], where swap exchanges the two joints
// of every pair (datasets/record.h coco_joints() / mpii_joints()). NCHW; src and dst must not
// overlap. Pair indices are checked against shape.joints.
void flip_back(const float* src, float* dst, const HeatmapShape& shape, FlipPairs pairs);

// SHIFT_HEATMAP in place: column x takes column x-1 for x >= 1; column 0 keeps its value (the
// official `out[:, :, :, 1:] = out.clone()[:, :, :, 0:-1]` leaves it, it is not zeroed).
void shift_right(float* hm, const HeatmapShape& shape);

// hm = (hm + other) * 0.5 element-wise in float, the official `(output + output_flipped) * 0.5`.
void average_with(float* hm, const float* other, const HeatmapShape& shape);

// The whole step: hm = 0.5 (hm + [shift_right](flip_back(flipped_output))). hm is the output on
// the unflipped batch, flipped_output the raw output on the flipped batch (both NCHW).
void merge_flip_test(float* hm, const float* flipped_output, const HeatmapShape& shape,
                     FlipPairs pairs, bool shift_heatmap);

// Mirroring a batch along its width (the official `input.flip(3)` on NCHW): the loader's
// batches and the network's input are NHWC ([N][H][W][C], datasets/pipeline/loader.h), so
// flip_width_nhwc is what the eval pipeline calls; the NCHW form serves PyTorch-layout arrays.
// src and dst must not overlap.
void flip_width_nhwc(const float* src, float* dst, int n, int height, int width, int channels);
void flip_width_nchw(const float* src, float* dst, int n, int channels, int height, int width);

// flip_width_nhwc on an engine tensor, f32 [N, H, W, C] on the CPU (e.g. Batch::input): a new
// tensor, the input is untouched.
Tensor flip_width(const Tensor& batch_nhwc);

}  // namespace hr::data::post
