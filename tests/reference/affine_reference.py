#!/usr/bin/env python3
"""Checks the closed form of the official get_affine_transform against cv2.getAffineTransform
on the official three-point construction (lib/utils/transforms.py, re-derived here from its
description), and prints the matrices used as constants in tests/datasets/image/test_affine.cpp.

Verification only (needs numpy and opencv-python-headless); never run by CI or the tests.
"""
import math

import cv2
import numpy as np


def rotate(v, rot_deg):
    # get_dir: rotate the vector v by rot (x' = x cos - y sin, y' = x sin + y cos)
    t = math.radians(rot_deg)
    s, c = math.sin(t), math.cos(t)
    return np.array([v[0] * c - v[1] * s, v[0] * s + v[1] * c])


def third(a, b):
    d = a - b
    return b + np.array([-d[1], d[0]])


def official(center, scale, rot, out_w, out_h):
    src_w = 200.0 * scale[0]
    src = np.zeros((3, 2), np.float32)
    dst = np.zeros((3, 2), np.float32)
    src[0] = center
    src[1] = center + rotate([0.0, -0.5 * src_w], rot)
    dst[0] = [0.5 * out_w, 0.5 * out_h]
    dst[1] = dst[0] + np.array([0.0, -0.5 * out_w])
    src[2] = third(src[0], src[1])
    dst[2] = third(dst[0], dst[1])
    return cv2.getAffineTransform(src, dst)


def closed_form(center, scale, rot, out_w, out_h):
    k = out_w / (200.0 * scale[0])
    t = math.radians(rot)
    lin = k * np.array([[math.cos(t), math.sin(t)], [-math.sin(t), math.cos(t)]])
    tr = np.array([0.5 * out_w, 0.5 * out_h]) - lin @ np.asarray(center, np.float64)
    return np.hstack([lin, tr[:, None]])


cases = [
    ((100.0, 80.0), (1.2, 1.6), 0.0, 192, 256),
    ((100.0, 80.0), (1.2, 1.6), 90.0, 192, 256),
    ((100.0, 80.0), (1.2, 1.6), 30.0, 192, 256),
    ((100.0, 80.0), (1.2, 1.6), -45.0, 192, 256),
    ((320.5, 211.25), (2.0, 2.6666667), 17.0, 48, 64),
    ((12.0, 300.0), (0.5, 0.5), -90.0, 256, 256),
]
worst = 0.0
for c, s, r, w, h in cases:
    a = official(c, s, r, w, h)
    b = closed_form(c, s, r, w, h)
    diff = np.abs(a - b).max()
    worst = max(worst, diff)
    print(f"center={c} scale={s} rot={r} out=({w},{h}) max|diff|={diff:.3g}")
    print(np.array2string(a, precision=10, floatmode="fixed"))
print(f"worst max|diff| = {worst:.3g}")


# ---- warp fixture -----------------------------------------------------------------------
# The official crops with cv2.warpAffine(INTER_LINEAR, constant-0 border). OpenCV <= 4.10
# (the versions the official results were produced with) quantises source coordinates to
# 1/32 pixel with integer weights; OpenCV >= 4.11 / 5.x samples in float and differs by a few
# LSB. Our warp_affine follows the fixed-point path, so this fixture is printed only when
# the installed OpenCV is <= 4.10 (e.g. pip install "opencv-python-headless==4.10.0.84").
def lcg_image(w, h, c, seed=12345):
    state = seed
    out = np.zeros(w * h * c, np.uint8)
    for i in range(out.size):
        state = (state * 1664525 + 1013904223) & 0xFFFFFFFF
        out[i] = state >> 24
    return out.reshape(h, w, c)


major, minor = (int(v) for v in cv2.__version__.split(".")[:2])
if (major, minor) <= (4, 10):
    src = lcg_image(9, 7, 3)
    m = closed_form((4.3, 3.2), (0.06, 0.06), 30.0, 8, 6)
    warped = cv2.warpAffine(src, m, (8, 6), flags=cv2.INTER_LINEAR)
    print(f"warp fixture (OpenCV {cv2.__version__}), 9x7 LCG source, center (4.3, 3.2), "
          "scale 0.06, rot 30, out 8x6:")
    print(", ".join(str(int(v)) for v in warped.reshape(-1)))
else:
    print(f"OpenCV {cv2.__version__} > 4.10: warp fixture skipped (float bilinear path)")
