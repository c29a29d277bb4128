#!/usr/bin/env python3
"""Writes the MPII PCKh / MAT-file fixtures under tests/fixtures/mpii/ (run once by hand;
the C++ tests only read the committed files).

Needs numpy and scipy (pip install scipy). Everything is drawn from a fixed seed, so a rerun
writes the same values (the .mat headers carry scipy's creation date, which the tests ignore).

Files:
  gt_small.mat               a gt_valid.mat-like file, zlib-compressed (savemat
                             do_compression=True): dataset_joints as a cell of char, jnt_missing
                             uint8 16xN, pos_gt_src double 16x2xN, headboxes_src int32 2x2xN,
                             plus extra variables covering the other classes (logical, int8,
                             single, int64, uint64, empty, char matrix, UTF-8 text, nested cell,
                             struct) for the reader test
  gt_small_uncompressed.mat  the same variables, uncompressed
  gt_small.json              the same ground truth in our JSON format (mpii_gt.h)
  pckh_golden.json           predictions and the PCKh values of a numpy transcription of the
                             official MPIIDataset.evaluate: "random" (this ground truth),
                             "quirks" (a joint never visible -> NaN, an image with a zero head
                             size), "boundary" (errors of exactly 0.5 only with the official
                             float32 "+ 1") and "many" (10 small cases, without the threshold
                             sweep, some of whose Means depend on numpy's pairwise summation
                             order); NaN is written as null
  pred_scipy.mat             scipy.io.savemat({'preds': preds + 1}) of the random case's float32
                             predictions: our pred.mat writer must produce the same bytes after
                             the header text

With --check-pred FILE it instead reads FILE (a pred.mat written by our writer) with scipy and
compares it with the random case's predictions + 1.
"""
import json
import math
import os
import sys

import numpy as np
import scipy.io as sio

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "mpii")
NAMES = ["rank", "rkne", "rhip", "lhip", "lkne", "lank", "pelv", "thor", "neck", "head",
         "rwri", "relb", "rsho", "lsho", "lelb", "lwri"]
N = 40


def official_pckh(preds, jnt_missing, pos_gt_src, headboxes_src, names):
    """The computation of lib/dataset/mpii.py `evaluate`, step by step, in numpy float64
    (our transcription; the same numpy operations so that rounding and masking agree)."""
    preds = preds[:, :, 0:2] + 1.0                # float32 stays float32
    pred_src = np.transpose(preds, [1, 2, 0])      # 16 x 2 x N
    idx = {n: names.index(n) for n in names}
    visible = 1 - jnt_missing
    err = np.linalg.norm(pred_src - pos_gt_src, axis=1)
    head = np.linalg.norm(headboxes_src[1, :, :] - headboxes_src[0, :, :], axis=0)
    head *= 0.6
    with np.errstate(divide="ignore", invalid="ignore"):
        scaled = np.divide(err, np.multiply(head, np.ones((len(err), 1))))
        scaled = np.multiply(scaled, visible)
        count = np.sum(visible, axis=1)
        hits = np.multiply(scaled <= 0.5, visible)
        pckh = np.divide(100. * np.sum(hits, axis=1), count)
        thresholds = np.arange(0, 0.5 + 0.01, 0.01)
        pck_all = np.zeros((len(thresholds), 16))
        for r, thr in enumerate(thresholds):
            pck_all[r, :] = np.divide(100. * np.sum(np.multiply(scaled <= thr, visible), axis=1),
                                      count)
    pckh_m = np.ma.array(pckh, mask=False)
    pckh_m.mask[6:8] = True
    count_m = np.ma.array(count, mask=False)
    count_m.mask[6:8] = True
    ratio = count_m / np.sum(count_m).astype(np.float64)

    def avg(a, b):
        return 0.5 * (pckh_m[idx[a]] + pckh_m[idx[b]])

    table = [
        ("Head", pckh_m[idx["head"]]),
        ("Shoulder", avg("lsho", "rsho")),
        ("Elbow", avg("lelb", "relb")),
        ("Wrist", avg("lwri", "rwri")),
        ("Hip", avg("lhip", "rhip")),
        ("Knee", avg("lkne", "rkne")),
        ("Ankle", avg("lank", "rank")),
        ("Mean", np.sum(pckh_m * ratio)),
        ("Mean@0.1", np.sum(pck_all[11, :] * ratio)),
    ]
    return {
        "PCKh": pckh, "jnt_count": count, "pckAll": pck_all, "thresholds": thresholds,
        "jnt_ratio": np.ma.filled(ratio, 0.0), "name_value": table,
    }


def num(v):
    """JSON-safe float: NaN -> null; repr round-trips float64 exactly."""
    v = float(v)
    return None if math.isnan(v) else v


def make_gt(rng, n):
    """A plausible ground truth: people 100-300 px tall, head boxes of 20-60 px."""
    centre = rng.uniform(200, 800, size=(2, n))
    pos = np.zeros((16, 2, n))
    for j in range(16):
        pos[j] = centre + rng.uniform(-150, 150, size=(2, n))
    pos = np.round(pos, 1)
    missing = (rng.uniform(size=(16, n)) < 0.15).astype(np.uint8)
    pos[:, :, :][np.broadcast_to(missing[:, None, :] == 1, pos.shape)] = 0.0
    size = rng.integers(20, 61, size=n)
    corner1 = np.round(centre - rng.uniform(150, 200, size=(2, n))).astype(np.int32)
    boxes = np.zeros((2, 2, n), dtype=np.int32)
    boxes[0] = corner1
    boxes[1] = corner1 + np.stack([size, np.round(size * rng.uniform(0.8, 1.3, n))]).astype(np.int32)
    return missing, pos, boxes


def make_preds(rng, pos, boxes, quantum=None):
    """float32 0-based predictions at errors spread over 0..0.7 head sizes, so that every
    threshold of the sweep separates some joints."""
    n = pos.shape[2]
    head = 0.6 * np.linalg.norm((boxes[1] - boxes[0]).astype(np.float64), axis=0)
    ang = rng.uniform(0, 2 * np.pi, size=(16, n))
    rad = rng.uniform(0, 0.7, size=(16, n)) * head[None, :]
    pred_1based = pos + np.stack([np.cos(ang) * rad, np.sin(ang) * rad], axis=1)
    pred = np.transpose(pred_1based - 1.0, [2, 0, 1])  # N x 16 x 2
    if quantum:  # short decimals in the JSON: multiples of 1/64 are exact in float32
        pred = np.round(pred / quantum) * quantum
    return pred.astype(np.float32)


def case_json(preds, missing, pos, boxes, names, full=True):
    res = official_pckh(preds, missing, pos.astype(np.float64), boxes.astype(np.float64), names)
    out = {
        "ground_truth": {
            "dataset_joints": names,
            "jnt_missing": missing.astype(int).tolist(),
            "pos_gt_src": pos.tolist(),
            "headboxes_src": boxes.astype(float).tolist(),
        },
        # float32 values written as the float64 that equals them: exact when read back.
        "preds_0based": [[[float(v) for v in p] for p in img] for img in preds],
        "PCKh": [num(v) for v in res["PCKh"]],
        "jnt_count": [num(v) for v in res["jnt_count"]],
        "jnt_ratio": [num(v) for v in res["jnt_ratio"]],
        "name_value": [[k, num(v)] for k, v in res["name_value"]],
    }
    if full:  # the whole threshold sweep (large: 51 x 16 values)
        out["thresholds"] = [num(v) for v in res["thresholds"]]
        out["pckAll"] = [[num(v) for v in row] for row in res["pckAll"]]
    return out


def boundary_case():
    """Predictions whose float32 "+ 1" rounds: x = 1023 + 2^-14 gives 1024.0 in float32 but
    1024.00006... in float64. With the GT 15 px away and a 30 px head size the error is exactly
    0.5 (a hit) only with the official float32 arithmetic. Joint k of image 0 sits at that
    boundary for k < 8 (GT to the left) and just beyond it for k >= 8; image 1 is exact."""
    n = 2
    missing = np.zeros((16, n), dtype=np.uint8)
    boxes = np.zeros((2, 2, n))
    boxes[1, 0, :], boxes[1, 1, :] = 30.0, 40.0       # |(30, 40)| * 0.6 = 30
    x0 = np.float32(1023.0) + np.float32(2.0 ** -14)    # a float32 with its last bit set
    pos = np.zeros((16, 2, n))
    preds = np.zeros((n, 16, 2), dtype=np.float32)
    for j in range(16):
        preds[0, j] = [x0, 500.0]
        pos[j, :, 0] = [1024.0 - 15.0 if j < 8 else 1024.0 + 15.0, 501.0]
        preds[1, j] = [100.0, 200.0]
        pos[j, :, 1] = [101.0, 201.0]
    return preds, missing, pos, boxes


def sensitivity_checks(preds, missing, pos, boxes):
    """The boundary case must tell float32 "+ 1" from float64 "+ 1"."""
    a = official_pckh(preds, missing, pos, boxes, NAMES)["PCKh"]
    b = official_pckh(preds.astype(np.float64), missing, pos, boxes, NAMES)["PCKh"]
    assert not np.array_equal(a, b), "boundary case does not depend on the float32 + 1"


def sequential_mean(res):
    """Mean summed left to right instead of numpy's pairwise order."""
    total = 0.0
    for j in range(16):
        if j not in (6, 7):
            total += res["PCKh"][j] * res["jnt_ratio"][j]
    return total


def check_pred(path, preds):
    got = sio.loadmat(path)["preds"]
    want = preds + 1.0
    assert got.dtype == np.float32, got.dtype
    assert got.shape == want.shape, (got.shape, want.shape)
    assert np.array_equal(got, want), "values differ"
    print(f"{path}: scipy reads preds {got.shape} {got.dtype}, equal to the predictions + 1")


def main():
    rng = np.random.default_rng(20241125)
    missing, pos, boxes = make_gt(rng, N)
    preds = make_preds(rng, pos, boxes)
    if len(sys.argv) == 3 and sys.argv[1] == "--check-pred":
        check_pred(sys.argv[2], preds)
        return
    os.makedirs(OUT, exist_ok=True)

    # The quirks case: r_ankle (0) never visible -> PCKh NaN, Ankle and Mean NaN; image 1
    # has a zero-size head box -> its visible joints all miss (inf / NaN errors).
    q_n = 4
    q_missing, q_pos, q_boxes = make_gt(rng, q_n)
    q_missing[0, :] = 1
    q_boxes[1, :, 1] = q_boxes[0, :, 1]
    q_preds = make_preds(rng, q_pos, q_boxes)
    q_preds[1] = q_pos[:, :, 1].astype(np.float32) - 1.0  # exact hits, still misses at 0/0

    b_preds, b_missing, b_pos, b_boxes = boundary_case()
    sensitivity_checks(b_preds, b_missing, b_pos, b_boxes)

    # Small cases: at least one Mean differs between numpy's pairwise sum and a plain
    # left-to-right sum, so the test sees the summation order.
    many = []
    differs = 0
    for _ in range(10):
        m_missing, m_pos, m_boxes = make_gt(rng, 8)
        m_preds = make_preds(rng, m_pos, m_boxes, quantum=1 / 64)
        res = official_pckh(m_preds, m_missing, m_pos, m_boxes.astype(np.float64), NAMES)
        res["jnt_ratio"] = np.ma.filled(res["jnt_ratio"], 0.0)
        differs += sequential_mean(res) != float(res["name_value"][7][1])
        many.append(case_json(m_preds, m_missing, m_pos, m_boxes, NAMES, full=False))
    assert differs > 0, "no case depends on the summation order"
    print(f"{differs} of 10 small cases have a Mean that depends on the summation order")

    golden = {
        "about": "numpy transcription of the official MPIIDataset.evaluate; "
                 "tests/reference/make_mpii_fixtures.py",
        "numpy": np.__version__,
        "random": case_json(preds, missing, pos, boxes, NAMES),
        "quirks": case_json(q_preds, q_missing, q_pos, q_boxes, NAMES, full=False),
        "boundary": case_json(b_preds, b_missing, b_pos, b_boxes, NAMES, full=False),
        "many": many,
    }
    # The random case's ground truth is gt_small.json / gt_small.mat, not repeated here.
    gt_json = golden["random"].pop("ground_truth")
    with open(os.path.join(OUT, "pckh_golden.json"), "w") as f:
        json.dump(golden, f, allow_nan=False, separators=(",", ":"))
        f.write("\n")
    with open(os.path.join(OUT, "gt_small.json"), "w") as f:
        json.dump(gt_json, f, allow_nan=False, separators=(",", ":"))
        f.write("\n")

    variables = {
        "dataset_joints": np.array([NAMES], dtype=object),   # 1x16 cell of char
        "jnt_missing": missing,                                # uint8 16xN
        "pos_gt_src": pos,                                     # double 16x2xN
        "headboxes_src": boxes,                                # int32 2x2xN
        "extra_logical": np.array([[True, False, True], [False, False, True]]),
        "extra_int8": np.array([[-128, -1, 0, 127]], dtype=np.int8),
        "extra_single": np.array([[1.5, -2.25], [1e-3, 3.0e8]], dtype=np.float32),
        "extra_int64": np.array([[-(2 ** 40) - 3, 2 ** 52 + 1]], dtype=np.int64),
        "extra_uint64": np.array([[0, 2 ** 53]], dtype=np.uint64),
        "extra_uint16": np.array([[65535, 7]], dtype=np.uint16),
        "extra_empty": np.zeros((0, 0)),
        "extra_chars": np.array(["ab", "cd"]),                # 2x2 char matrix
        "extra_text": np.array(["Größe"], dtype=object),      # non-ASCII, miUTF8
        "extra_nested": np.array([[np.array(["x"], dtype=object), 2.5]], dtype=object),
        "extra_struct": {"a": 1.0},                            # skipped by our reader
    }
    sio.savemat(os.path.join(OUT, "gt_small.mat"), variables, do_compression=True)
    sio.savemat(os.path.join(OUT, "gt_small_uncompressed.mat"), variables, do_compression=False)

    # Self-check: scipy reads back what we meant to write.
    back = sio.loadmat(os.path.join(OUT, "gt_small.mat"))
    assert np.array_equal(back["pos_gt_src"], pos) and back["jnt_missing"].dtype == np.uint8
    assert back["headboxes_src"].shape == (2, 2, N)

    sio.savemat(os.path.join(OUT, "pred_scipy.mat"), {"preds": preds + 1.0})
    for k, v in golden["random"]["name_value"]:
        print(f"random {k}: {v}")
    for k, v in golden["quirks"]["name_value"]:
        print(f"quirks {k}: {v}")


if __name__ == "__main__":
    main()
