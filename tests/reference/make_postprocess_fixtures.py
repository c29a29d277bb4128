#!/usr/bin/env python3
"""Writes the golden fixtures of tests/datasets/eval/postprocess into tests/fixtures/postprocess/.

Run by hand when the fixtures need to change (never in CI):
    pip install numpy safetensors            # opencv-python-headless optional (cross-check)
    python3 tests/reference/make_postprocess_fixtures.py

What is transcribed here, in numpy, for the C++ tests to match:
  - the official HRNet post-processing (lib/core/inference.py get_max_preds / get_final_preds,
    lib/utils/transforms.py flip_back / transform_preds / get_affine_transform, the flip test
    of lib/core/function.py validate with SHIFT_HEATMAP, lib/nms/nms.py oks_iou / oks_nms /
    soft_oks_nms / rescore, and the rescoring + per-image NMS loop of
    lib/dataset/coco.py COCODataset.evaluate);
  - mmpose 0.x DARK ('unbiased'): _gaussian_blur (zero pad by kernel//2, cv2.GaussianBlur
    with sigma 0, rescale to the original max), np.maximum(., 1e-10), np.log, _taylor.
No OpenCV is needed: cv2.getAffineTransform is the 3-point linear solve in float64, and
cv2.GaussianBlur is emulated (float32 kernel from cv2.getGaussianKernel's formula, separable
row then column pass, BORDER_REFLECT_101). When cv2 is importable the emulation is checked
against it and the largest difference printed.

Deliberate departure: the official sorts scores with `argsort()[::-1]`, whose order among
equal scores depends on numpy's sort algorithm (SIMD sorts are not stable). Here ties are
ordered as a stable ascending sort reversed (the later instance first), which is what the
C++ implements; random scores avoid ties except in hand-made cases.

Outputs:
  decode.safetensors  heatmap cases <case>/...: inputs (heatmaps, flipped heatmaps, center,
                      scale, flip pairs) and outputs (argmax coords and maxvals, final preds
                      with POST_PROCESS off/on, DARK heatmap coords and final preds,
                      flip_back, flip-test merged heatmaps)
  nms.json            instances of several images, their rescored scores, OKS between every
                      pair of instances of each image, oks_nms / soft_oks_nms keep lists, and
                      the final per-image kept lists for both NMS kinds
"""
import json
import math
import os

import numpy as np
from safetensors.numpy import save_file

try:
    import cv2  # optional, only to cross-check the blur emulation
except ImportError:  # pragma: no cover
    cv2 = None

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "postprocess")

COCO_PAIRS = [[1, 2], [3, 4], [5, 6], [7, 8], [9, 10], [11, 12], [13, 14], [15, 16]]
MPII_PAIRS = [[0, 5], [1, 4], [2, 3], [10, 15], [11, 14], [12, 13]]


# ---- official lib/core/inference.py ---------------------------------------------------

def get_max_preds(batch_heatmaps):
    batch_size, num_joints, _, width = batch_heatmaps.shape
    reshaped = batch_heatmaps.reshape((batch_size, num_joints, -1))
    idx = np.argmax(reshaped, 2)
    maxvals = np.amax(reshaped, 2)
    maxvals = maxvals.reshape((batch_size, num_joints, 1))
    idx = idx.reshape((batch_size, num_joints, 1))
    preds = np.tile(idx, (1, 1, 2)).astype(np.float32)
    preds[:, :, 0] = (preds[:, :, 0]) % width
    preds[:, :, 1] = np.floor((preds[:, :, 1]) / width)
    pred_mask = np.tile(np.greater(maxvals, 0.0), (1, 1, 2)).astype(np.float32)
    preds *= pred_mask
    return preds, maxvals


def quarter_offset(coords, batch_heatmaps):
    """The POST_PROCESS block of get_final_preds (in place on float32 coords)."""
    h, w = batch_heatmaps.shape[2:]
    for n in range(coords.shape[0]):
        for p in range(coords.shape[1]):
            hm = batch_heatmaps[n][p]
            px = int(math.floor(coords[n][p][0] + 0.5))
            py = int(math.floor(coords[n][p][1] + 0.5))
            if 1 < px < w - 1 and 1 < py < h - 1:
                diff = np.array([hm[py][px + 1] - hm[py][px - 1], hm[py + 1][px] - hm[py - 1][px]])
                coords[n][p] += np.sign(diff) * .25


def get_final_preds(post_process, batch_heatmaps, center, scale, dark_kernel=11):
    """post_process: 'none', 'default' (official POST_PROCESS) or 'dark' (mmpose unbiased)."""
    coords, maxvals = get_max_preds(batch_heatmaps)
    h, w = batch_heatmaps.shape[2:]
    if post_process == "default":
        quarter_offset(coords, batch_heatmaps)
    elif post_process == "dark":
        dark_refine(coords, batch_heatmaps.copy(), dark_kernel)
    preds = coords.copy()
    for i in range(coords.shape[0]):
        preds[i] = transform_preds(coords[i], center[i], scale[i], [w, h])
    return preds, maxvals, coords


# ---- official lib/utils/transforms.py -------------------------------------------------

def get_affine_transform_cv(src, dst):
    """cv2.getAffineTransform: the 6x6 linear system solved in float64."""
    a = np.zeros((6, 6))
    b = np.zeros(6)
    for i in range(3):
        a[i, 0:2] = src[i]
        a[i, 2] = 1
        a[i + 3, 3:5] = src[i]
        a[i + 3, 5] = 1
        b[i] = dst[i, 0]
        b[i + 3] = dst[i, 1]
    return np.linalg.solve(a, b).reshape(2, 3)


def get_3rd_point(a, b):
    direct = a - b
    return b + np.array([-direct[1], direct[0]], dtype=np.float32)


def get_dir(src_point, rot_rad):
    sn, cs = np.sin(rot_rad), np.cos(rot_rad)
    return [src_point[0] * cs - src_point[1] * sn, src_point[0] * sn + src_point[1] * cs]


def get_affine_transform(center, scale, rot, output_size, inv=0):
    shift = np.array([0, 0], dtype=np.float32)
    scale_tmp = scale * 200.0
    src_w = scale_tmp[0]
    dst_w, dst_h = output_size
    rot_rad = np.pi * rot / 180
    src_dir = get_dir([0, src_w * -0.5], rot_rad)
    dst_dir = np.array([0, dst_w * -0.5], np.float32)
    src = np.zeros((3, 2), dtype=np.float32)
    dst = np.zeros((3, 2), dtype=np.float32)
    src[0, :] = center + scale_tmp * shift
    src[1, :] = center + src_dir + scale_tmp * shift
    dst[0, :] = [dst_w * 0.5, dst_h * 0.5]
    dst[1, :] = np.array([dst_w * 0.5, dst_h * 0.5]) + dst_dir
    src[2:, :] = get_3rd_point(src[0, :], src[1, :])
    dst[2:, :] = get_3rd_point(dst[0, :], dst[1, :])
    if inv:
        return get_affine_transform_cv(np.float32(dst), np.float32(src))
    return get_affine_transform_cv(np.float32(src), np.float32(dst))


def affine_transform(pt, t):
    return np.dot(t, np.array([pt[0], pt[1], 1.]).T)[:2]


def transform_preds(coords, center, scale, output_size):
    target = np.zeros(coords.shape)
    trans = get_affine_transform(center, scale, 0, output_size, inv=1)
    for p in range(coords.shape[0]):
        target[p, 0:2] = affine_transform(coords[p, 0:2], trans)
    return target


def flip_back(output_flipped, matched_parts):
    output_flipped = output_flipped[:, :, :, ::-1]
    for pair in matched_parts:
        tmp = output_flipped[:, pair[0], :, :].copy()
        output_flipped[:, pair[0], :, :] = output_flipped[:, pair[1], :, :]
        output_flipped[:, pair[1], :, :] = tmp
    return output_flipped


def flip_test_merge(output, output_flipped_raw, pairs):
    """lib/core/function.py validate with FLIP_TEST and SHIFT_HEATMAP (float32 throughout)."""
    flipped = flip_back(output_flipped_raw.copy(), pairs).copy()
    flipped[:, :, :, 1:] = flipped.copy()[:, :, :, 0:-1]
    return (output + flipped) * np.float32(0.5)


# ---- mmpose 0.x DARK (mmpose/core/evaluation/top_down_eval.py) ------------------------

def cv_gaussian_kernel(ksize):
    """cv2.getGaussianKernel(ksize, 0) for a float32 image: sigma from the size, weights in
    double, normalised, then stored as float32."""
    sigma = 0.3 * ((ksize - 1) * 0.5 - 1) + 0.8
    scale2x = -0.5 / (sigma * sigma)
    w = [math.exp(scale2x * x * x) for x in (i - (ksize - 1) * 0.5 for i in range(ksize))]
    total = 0.0
    for v in w:  # sequential, as OpenCV sums
        total += v
    return np.array([v * (1.0 / total) for v in w], dtype=np.float32)


def cv_gaussian_blur(img, ksize):
    """cv2.GaussianBlur(img, (k, k), 0) on float32, BORDER_REFLECT_101: row pass then column
    pass, each rounded to float32."""
    k = cv_gaussian_kernel(ksize).astype(np.float64)
    r = ksize // 2
    h, w = img.shape
    p = np.pad(img.astype(np.float64), ((0, 0), (r, r)), mode="reflect")  # reflect-101
    rows = np.zeros((h, w))
    for i in range(ksize):
        rows += k[i] * p[:, i:i + w]
    rows = rows.astype(np.float32).astype(np.float64)
    p = np.pad(rows, ((r, r), (0, 0)), mode="reflect")
    out = np.zeros((h, w))
    for i in range(ksize):
        out += k[i] * p[i:i + h, :]
    return out.astype(np.float32)


BLUR_CHECK = {"max_abs": 0.0}


def mmpose_gaussian_blur(heatmaps, kernel):
    border = (kernel - 1) // 2
    n, j, h, w = heatmaps.shape
    for i in range(n):
        for jj in range(j):
            origin_max = np.max(heatmaps[i, jj])
            dr = np.zeros((h + 2 * border, w + 2 * border), dtype=np.float32)
            dr[border:-border, border:-border] = heatmaps[i, jj].copy()
            blurred = cv_gaussian_blur(dr, kernel)
            if cv2 is not None:
                ref = cv2.GaussianBlur(dr, (kernel, kernel), 0)
                d = np.abs(ref - blurred)[border:-border, border:-border].max()
                BLUR_CHECK["max_abs"] = max(BLUR_CHECK["max_abs"], float(d))
            heatmaps[i, jj] = blurred[border:-border, border:-border].copy()
            with np.errstate(divide="ignore", invalid="ignore"):
                heatmaps[i, jj] *= origin_max / np.max(heatmaps[i, jj])
    return heatmaps


def taylor(heatmap, coord):
    h, w = heatmap.shape[:2]
    px, py = int(coord[0]), int(coord[1])
    if 1 < px < w - 2 and 1 < py < h - 2:
        dx = 0.5 * (heatmap[py][px + 1] - heatmap[py][px - 1])
        dy = 0.5 * (heatmap[py + 1][px] - heatmap[py - 1][px])
        dxx = 0.25 * (heatmap[py][px + 2] - 2 * heatmap[py][px] + heatmap[py][px - 2])
        dxy = 0.25 * (heatmap[py + 1][px + 1] - heatmap[py - 1][px + 1] -
                      heatmap[py + 1][px - 1] + heatmap[py - 1][px - 1])
        dyy = 0.25 * (heatmap[py + 2][px] - 2 * heatmap[py][px] + heatmap[py - 2][px])
        derivative = np.array([[dx], [dy]])
        hessian = np.array([[dxx, dxy], [dxy, dyy]])
        if dxx * dyy - dxy ** 2 != 0:
            offset = -np.linalg.inv(hessian) @ derivative
            coord += np.squeeze(np.array(offset.T), axis=0)
    return coord


def dark_refine(coords, heatmaps, kernel, taylor_dtype=None):
    """taylor_dtype=np.float64 runs the Taylor step in double (only for the conditioning
    check in decode_case; mmpose runs it on the float32 logs)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        logs = np.log(np.maximum(mmpose_gaussian_blur(heatmaps, kernel), 1e-10))
    if taylor_dtype is not None:
        logs = logs.astype(taylor_dtype)
    for n in range(coords.shape[0]):
        for k in range(coords.shape[1]):
            coords[n][k] = taylor(logs[n][k], coords[n][k])


# ---- official lib/nms/nms.py and COCODataset.evaluate ---------------------------------

SIGMAS = np.array([.26, .25, .25, .35, .35, .79, .79, .72, .72, .62, .62, 1.07, 1.07,
                   .87, .87, .89, .89]) / 10.0


def oks_iou(g, d, a_g, a_d):
    # in_vis_thre is never passed by COCODataset.evaluate, so its branch is left out.
    vars_ = (SIGMAS * 2) ** 2
    xg, yg = g[0::3], g[1::3]
    ious = np.zeros((d.shape[0]))
    for n_d in range(d.shape[0]):
        dx = d[n_d, 0::3] - xg
        dy = d[n_d, 1::3] - yg
        e = (dx ** 2 + dy ** 2) / vars_ / ((a_g + a_d[n_d]) / 2 + np.spacing(1)) / 2
        ious[n_d] = np.sum(np.exp(-e)) / e.shape[0] if e.shape[0] != 0 else 0.0
    return ious


def desc_order(scores):
    return scores.argsort(kind="stable")[::-1]  # see the module docstring about ties


def oks_nms(kpts_db, thresh):
    if len(kpts_db) == 0:
        return []
    scores = np.array([k["score"] for k in kpts_db])
    kpts = np.array([k["keypoints"].flatten() for k in kpts_db])
    areas = np.array([k["area"] for k in kpts_db])
    order = desc_order(scores)
    keep = []
    while order.size > 0:
        i = order[0]
        keep.append(int(i))
        oks_ovr = oks_iou(kpts[i], kpts[order[1:]], areas[i], areas[order[1:]])
        inds = np.where(oks_ovr <= thresh)[0]
        order = order[inds + 1]
    return keep


def rescore(overlap, scores, thresh):
    return scores * np.exp(- overlap ** 2 / thresh)  # the 'gaussian' type soft_oks_nms uses


def soft_oks_nms(kpts_db, thresh):
    if len(kpts_db) == 0:
        return []
    scores = np.array([k["score"] for k in kpts_db])
    kpts = np.array([k["keypoints"].flatten() for k in kpts_db])
    areas = np.array([k["area"] for k in kpts_db])
    order = desc_order(scores)
    scores = scores[order]
    max_dets = 20
    keep = np.zeros(max_dets, dtype=np.intp)
    keep_cnt = 0
    while order.size > 0 and keep_cnt < max_dets:
        i = order[0]
        oks_ovr = oks_iou(kpts[i], kpts[order[1:]], areas[i], areas[order[1:]])
        order = order[1:]
        scores = rescore(oks_ovr, scores[1:], thresh)
        tmp = desc_order(scores)
        order = order[tmp]
        scores = scores[tmp]
        keep[keep_cnt] = i
        keep_cnt += 1
    return [int(k) for k in keep[:keep_cnt]]


def rescore_instance(kpts, box_score, in_vis_thre):
    """COCODataset.evaluate: float32 joint scores summed and averaged in float32."""
    kpt_score = np.float32(0)
    valid_num = 0
    for t_s in kpts[:, 2]:
        if t_s > in_vis_thre:
            kpt_score = np.float32(kpt_score + t_s)
            valid_num += 1
    if valid_num != 0:
        kpt_score = np.float32(kpt_score / np.float32(valid_num))
    return float(kpt_score) * box_score


def evaluate_nms(instances, in_vis_thre, oks_thre, soft):
    """Grouping by image (first appearance order), rescoring, NMS; returns per image the
    list of kept indices into `instances`."""
    groups = {}
    for idx, inst in enumerate(instances):
        groups.setdefault(inst["image"], []).append(idx)
    result = []
    for img, idxs in groups.items():
        img_kpts = []
        for idx in idxs:
            inst = dict(instances[idx])
            inst["score"] = rescore_instance(inst["keypoints"], inst["score"], in_vis_thre)
            img_kpts.append(inst)
        keep = (soft_oks_nms if soft else oks_nms)(img_kpts, oks_thre)
        if len(keep) == 0:
            keep = list(range(len(img_kpts)))
        result.append({"image_id": img, "kept": [idxs[k] for k in keep],
                       "scores": [img_kpts[k]["score"] for k in keep]})
    return result


# ---- inputs -----------------------------------------------------------------------------

def blob_maps(rng, n, j, h, w, sigma=2.0, noise=0.01):
    """Gaussian peaks at random sub-pixel centres (some on or outside the border) plus noise."""
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float64)
    out = np.zeros((n, j, h, w), dtype=np.float32)
    for a in range(n):
        for b in range(j):
            cx = rng.uniform(-1.5, w + 0.5)
            cy = rng.uniform(-1.5, h + 0.5)
            amp = rng.uniform(0.2, 1.0)
            g = amp * np.exp(-((xs - cx) ** 2 + (ys - cy) ** 2) / (2 * sigma * sigma))
            out[a, b] = (g + noise * rng.standard_normal((h, w))).astype(np.float32)
    return out


def special_maps(maps):
    """Edge cases written over some maps: all zero, all negative, constant (ties), two equal
    peaks (first wins), peaks at x = 1, 2, W-2, W-1 and y = 1, H-1."""
    n, j, h, w = maps.shape
    cases = []
    zero = np.zeros((h, w), np.float32)
    cases.append(zero)
    cases.append(-np.abs(maps[0, 0]) - 0.1)
    cases.append(np.full((h, w), 0.5, np.float32))
    two = zero.copy()
    two[h // 2, w // 3] = 0.9
    two[h // 2 + 1, w // 3 + 1] = 0.9
    two[h // 2, w // 3 - 1] = 0.2
    cases.append(two)
    for (px, py) in [(1, h // 2), (2, h // 2), (w - 2, h // 2), (w - 1, h // 2), (w // 2, 1),
                     (w // 2, h - 1), (w // 2, 2)]:
        m = np.abs(maps[0, 1]) * 0.1
        m[py, px] = 1.0
        if 0 < px < w - 1:
            m[py, px + 1] = 0.7  # right neighbour higher -> +0.25 in x where the rule applies
            m[py, px - 1] = 0.3
        if 0 < py < h - 1:
            m[py - 1, px] = 0.6  # upper neighbour higher -> -0.25 in y
            m[py + 1, px] = 0.2
        cases.append(m.astype(np.float32))
    k = 0
    for a in range(n):
        for b in range(j):
            if k < len(cases) and (a * j + b) % 2 == 1:
                maps[a, b] = cases[k]
                k += 1
    return maps


def decode_case(rng, name, maps, flipped, pairs, centers, scales, out):
    n, j, h, w = maps.shape
    coords, maxvals = get_max_preds(maps)
    final_none, _, _ = get_final_preds("none", maps, centers, scales)
    final_default, _, hm_default = get_final_preds("default", maps, centers, scales)
    final_dark, _, hm_dark = get_final_preds("dark", maps, centers, scales)
    # The Taylor step in float64 arithmetic: a fixture whose answer moves by more than 1e-4
    # heatmap pixels between precisions is too ill-conditioned to test and is rejected.
    hm64 = coords.astype(np.float64).copy()
    dark_refine(hm64, maps.copy(), 11, taylor_dtype=np.float64)
    gap = np.nanmax(np.abs(hm64 - hm_dark)) if hm_dark.size else 0
    assert gap < 1e-4, f"{name}: DARK is ill-conditioned (f32 vs f64 gap {gap})"
    p = name + "/"
    out[p + "heatmaps"] = maps
    out[p + "center"] = centers.astype(np.float64)
    out[p + "scale"] = scales.astype(np.float64)
    out[p + "max_coords"] = coords
    out[p + "maxvals"] = maxvals.reshape(n, j).astype(np.float32)
    out[p + "final_none"] = final_none.astype(np.float32)
    out[p + "final_default"] = final_default.astype(np.float32)
    out[p + "hm_default"] = hm_default.astype(np.float32)
    out[p + "final_dark"] = final_dark.astype(np.float32)
    out[p + "hm_dark"] = hm_dark.astype(np.float32)
    if flipped is not None:
        out[p + "flip_pairs"] = np.array(pairs, dtype=np.int64).reshape(-1, 2)
        out[p + "flipped"] = flipped
        out[p + "flip_back"] = np.ascontiguousarray(flip_back(flipped.copy(), pairs))
        out[p + "flip_merged"] = flip_test_merge(maps, flipped, pairs).astype(np.float32)


def boxes(rng, n):
    centers = np.stack([rng.uniform(50, 600, n), rng.uniform(50, 400, n)], 1).astype(np.float32)
    sw = rng.uniform(0.3, 2.5, n)
    scales = np.stack([sw, sw / 0.75], 1).astype(np.float32)
    return centers, scales


def make_decode(rng):
    out = {}
    # 7x5 (W=5, H=7) values on a 1/8 grid: many argmax ties and zero neighbour differences.
    tiny = (np.round(rng.uniform(-1, 1, (2, 17, 7, 5)) * 8) / 8).astype(np.float32)
    tiny = special_maps(tiny)
    tiny_f = (np.round(rng.uniform(-1, 1, tiny.shape) * 8) / 8).astype(np.float32)
    c, s = boxes(rng, 2)
    decode_case(rng, "tiny", tiny, tiny_f, COCO_PAIRS, c, s, out)
    # COCO 64x48 with Gaussian peaks.
    coco = special_maps(blob_maps(rng, 1, 17, 64, 48))
    c, s = boxes(rng, 1)
    decode_case(rng, "coco", coco, None, COCO_PAIRS, c, s, out)  # flip: tiny and mpii
    # MPII: 16 joints (32x32 to stay small).
    mpii = special_maps(blob_maps(rng, 1, 16, 32, 32))
    mpii_f = blob_maps(rng, 1, 16, 32, 32)
    c, s = boxes(rng, 1)
    s[:, 1] = s[:, 0]
    decode_case(rng, "mpii", mpii, mpii_f, MPII_PAIRS, c, s, out)
    # Odd small maps, 3 joints, peaks near every border (DARK's 1 < p < size-2 rule).
    odd = blob_maps(rng, 3, 3, 11, 9, sigma=1.5)
    c, s = boxes(rng, 3)
    decode_case(rng, "odd", odd, blob_maps(rng, 3, 3, 11, 9), [[0, 2]], c, s, out)
    return out


def make_instances(rng):
    """Instances of 4 images: near-duplicate clusters (OKS > 0.9), distinct people, one
    instance with no joint above IN_VIS_THRE, tied box scores, and one image with 25
    instances (soft-NMS keeps at most 20)."""
    inst = []

    def person(cx, cy, size):
        base = rng.uniform(-0.5, 0.5, (17, 2)) * size
        return np.array([cx, cy]) + base

    images = [(397133, 6), (37777, 4), (252219, 25), (87038, 1)]
    for img, count in images:
        anchors = [person(rng.uniform(100, 500), rng.uniform(100, 400), rng.uniform(40, 200))
                   for _ in range(max(1, count // 3))]
        for k in range(count):
            a = anchors[k % len(anchors)]
            size = np.ptp(a[:, 0]) + 1
            jitter = rng.normal(0, rng.choice([0.002, 0.02, 0.1]) * size, (17, 2))
            kp = np.zeros((17, 3), np.float32)
            kp[:, 0:2] = a + jitter
            kp[:, 2] = rng.uniform(0.0, 1.0, 17)
            if img == 37777 and k == 1:
                kp[:, 2] = rng.uniform(0.0, 0.19, 17)  # no joint above 0.2 -> score 0
            sw = size / 200 * 1.25
            scale = np.array([sw, sw / 0.75], np.float32)
            area = float(np.prod(scale * 200))
            box = float(rng.uniform(0.3, 1.0))
            if img == 397133 and k in (2, 3):
                box = 0.75  # tied box scores
            inst.append({"image": img, "keypoints": kp, "area": area, "score": box,
                         "center": [float(v) for v in np.float32(a.mean(0))],
                         "scale": [float(v) for v in scale]})
    # Interleave one instance of image 397133 after the others: grouping is by first
    # appearance of the image id, not by sorting.
    moved = inst.pop(1)
    inst.append(moved)
    return inst


def make_nms(rng):
    inst = make_instances(rng)
    in_vis_thre, oks_thre = 0.2, 0.9
    rescored = [rescore_instance(i["keypoints"], i["score"], in_vis_thre) for i in inst]
    oks = []
    ids = sorted({i["image"] for i in inst}, key=lambda v: [x["image"] for x in inst].index(v))
    for img in ids:
        members = [k for k, i in enumerate(inst) if i["image"] == img]
        for a in members:
            kp_d = np.array([inst[b]["keypoints"].flatten() for b in members])
            ar_d = np.array([inst[b]["area"] for b in members])
            ious = oks_iou(inst[a]["keypoints"].flatten(), kp_d, inst[a]["area"], ar_d)
            for b, v in zip(members, ious):
                oks.append([a, b, float(v)])
    hard = evaluate_nms(inst, in_vis_thre, oks_thre, soft=False)
    soft = evaluate_nms(inst, in_vis_thre, oks_thre, soft=True)
    return {
        "in_vis_thre": in_vis_thre,
        "oks_thre": oks_thre,
        "instances": [{"image_id": i["image"], "keypoints": [float(v) for v in i["keypoints"].flatten()],
                       "area": i["area"], "score": i["score"], "center": i["center"],
                       "scale": i["scale"]} for i in inst],
        "rescored": rescored,
        "oks": oks,
        "oks_nms": hard,
        "soft_oks_nms": soft,
    }


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(20240515)
    decode = make_decode(rng)
    save_file(decode, os.path.join(OUT, "decode.safetensors"),
              metadata={"source": "tests/reference/make_postprocess_fixtures.py"})
    nms = make_nms(rng)
    with open(os.path.join(OUT, "nms.json"), "w") as f:
        json.dump(nms, f, indent=1)
    if cv2 is not None:
        print(f"cv2 {cv2.__version__}: GaussianBlur emulation max |diff| = {BLUR_CHECK['max_abs']:.3g}")
    sizes = {f: os.path.getsize(os.path.join(OUT, f)) for f in sorted(os.listdir(OUT))}
    print("wrote", sizes)


if __name__ == "__main__":
    main()
