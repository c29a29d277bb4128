"""Expected values for tests/datasets/annotations/test_annotations.cpp.

Follows the official rules (lib/dataset/coco.py, mpii.py; official-hrnet.md section 4.1)
with plain Python + numpy float32 for the stored centre/scale, reading the shared fixtures:
    python3 tests/reference/coco_mini_expected.py [data_dir]   (default ../shared/data)
"""
import json
import os
import sys

import numpy as np

data = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '..', '..', '..', 'shared', 'data')
W, H = 192, 256
AR = W * 1.0 / H


def xywh2cs(x, y, w, h):
    center = np.zeros(2, dtype=np.float32)
    center[0] = x + w * 0.5
    center[1] = y + h * 0.5
    if w > AR * h:
        h = w * 1.0 / AR
    elif w < AR * h:
        w = h * AR
    scale = np.array([w * 1.0 / 200, h * 1.0 / 200], dtype=np.float32)
    if center[0] != -1:
        scale = scale * 1.25
    return center, scale


coco = json.load(open(os.path.join(data, 'coco-mini/annotations/person_keypoints_val2017.json')))
imgs = {im['id']: im for im in coco['images']}
kept = []
for im in coco['images']:
    for a in coco['annotations']:
        if a['image_id'] != im['id'] or a['iscrowd']:
            continue
        x, y, w, h = a['bbox']
        x1, y1 = max(0, x), max(0, y)
        x2 = min(im['width'] - 1, x1 + max(0, w - 1))
        y2 = min(im['height'] - 1, y1 + max(0, h - 1))
        if not (a['area'] > 0 and x2 >= x1 and y2 >= y1):
            continue
        if a['category_id'] != 1 or max(a['keypoints']) == 0:
            continue
        c, s = xywh2cs(x1, y1, x2 - x1, y2 - y1)
        kept.append((im['id'], a['id'], c, s, a['keypoints']))
print('coco gt: annotations', len(coco['annotations']), 'kept', len(kept))
for i, (iid, aid, c, s, k) in enumerate(kept):
    print(f'  [{i}] image {iid} ann {aid} center {c[0]!r} {c[1]!r} scale {s[0]!r} {s[1]!r}')

dets = json.load(open(os.path.join(data, 'coco-mini/person_detection_results/COCO_val2017_detections_AP_H_56_person.json')))
for thre in (0.0, 0.5):
    n = sum(1 for d in dets if d['category_id'] == 1 and d['score'] >= thre)
    print(f'detections >= {thre}: {n}')
d = dets[0]
c, s = xywh2cs(*d['bbox'])
print('det[0]', d['image_id'], d['score'], 'center', repr(c[0]), repr(c[1]), 'scale', repr(s[0]), repr(s[1]))

mpii = json.load(open(os.path.join(data, 'mpii-mini/annot/valid.json')))
print('mpii entries', len(mpii))
for i, a in enumerate(mpii):
    c = np.array(a['center'], dtype=np.float64)
    s = np.array([a['scale'], a['scale']], dtype=np.float64)
    if c[0] != -1:
        c[1] = c[1] + 15 * s[1]
        s = s * 1.25
    c = c - 1
    j = np.array(a['joints'], dtype=np.float64) - 1
    print(f'  [{i}] {a["image"]} center {c[0]!r} {c[1]!r} scale {s[0]!r} joint0 {j[0][0]!r} {j[0][1]!r} '
          f'joint9 {j[9][0]!r} {j[9][1]!r} vis {a["joints_vis"]}')
