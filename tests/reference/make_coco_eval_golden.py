#!/usr/bin/env python3
"""Golden numbers for our COCO keypoint evaluator (datasets/eval/coco), made by pycocotools.

Run once by hand (needs numpy and pycocotools; nothing in the build or the tests runs it):

    python3 tests/reference/make_coco_eval_golden.py [--data ../shared/data]

It derives results files from coco-mini's person_keypoints_val2017.json (perturbed GT with a
fixed seed, dropped keypoints, false positives, score ties, an image without detections,
more than 20 detections on an image, a bbox field, foreign categories and float image ids),
writes two GT files of its own (a hand-made one with crowd, zero-keypoint, id-0 and
out-of-range annotations, images without GT and a second category, and a seeded random
"stress" one), evaluates every pair with pycocotools' COCOeval(iouType='keypoints') and
writes tests/fixtures/coco_eval/: the GT/results files and golden.json with the ten
summary numbers of each case. Every file it writes is deterministic for the seeds below.
"""
import argparse
import contextlib
import io
import json
import os

import numpy as np
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "fixtures", "coco_eval")
MINI_GT = "coco-mini"  # golden.json token: <test data>/coco-mini/annotations/person_keypoints_val2017.json


def pycoco_stats(gt_path, res_path):
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO(gt_path)
        dt = gt.loadRes(res_path)
        ev = COCOeval(gt, dt, "keypoints")
        ev.params.useSegm = None  # as the official HRNet evaluate does
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return [float(x) for x in ev.stats]


def r2(v):
    """Rounds to 2 decimals to keep files small (the values are then exactly these decimals)."""
    return float(round(float(v), 2))


def result(image_id, kpts, score, **extra):
    d = {"image_id": image_id, "category_id": 1, "keypoints": [r2(v) for v in kpts], "score": r2(score)}
    d.update(extra)
    return d


def perturb(rng, ann, noise, drop=0.0):
    """The GT person with Gaussian noise (noise * sqrt(area) pixels) on labelled keypoints;
    unlabelled ones land somewhere in the box; `drop` of them become (0, 0, 0)."""
    g = np.array(ann["keypoints"], dtype=float).reshape(17, 3)
    x, y, w, h = ann["bbox"]
    s = noise * np.sqrt(max(ann["area"], 1.0))
    out = np.zeros((17, 3))
    for k in range(17):
        if g[k, 2] > 0:
            out[k, 0] = g[k, 0] + rng.normal() * s
            out[k, 1] = g[k, 1] + rng.normal() * s
        else:
            out[k, 0] = x + rng.random() * w
            out[k, 1] = y + rng.random() * h
        out[k, 2] = rng.random()
        if rng.random() < drop:
            out[k] = 0
    return out.reshape(-1)


def random_person(rng, width, height):
    cx, cy = rng.random() * width, rng.random() * height
    s = 10 + rng.random() * 120
    k = np.stack([cx + rng.normal(size=17) * s, cy + rng.normal(size=17) * s, rng.random(17)], axis=1)
    return k.reshape(-1)


def write_json(name, obj, **kw):
    with open(os.path.join(OUT, name), "w") as f:
        json.dump(obj, f, **kw)
        f.write("\n")


def mini_cases(gt, rng):
    """Results files derived from coco-mini's GT."""
    anns = gt["annotations"]
    images = {im["id"]: im for im in gt["images"]}
    cases = {}

    cases["mini_perfect"] = [result(a["image_id"], [v if i % 3 != 2 else float(v > 0) for i, v in enumerate(a["keypoints"])],
                                    1.0) for a in anns]

    # The official writer's layout: center/scale fields, sorted keys, indent 4.
    pert = []
    for a in anns:
        k = perturb(rng, a, 0.08)
        pert.append(result(a["image_id"], k, rng.random(), center=[r2(a["bbox"][0]), r2(a["bbox"][1])],
                           scale=[1.25, 1.5]))
    cases["mini_perturbed"] = pert

    cases["mini_dropped"] = [result(a["image_id"], perturb(rng, a, 0.05, drop=0.3), rng.random()) for a in anns]

    fp = [result(a["image_id"], perturb(rng, a, 0.1), rng.random()) for a in anns]
    for img_id, im in images.items():
        for _ in range(3):
            fp.append(result(img_id, random_person(rng, im["width"], im["height"]), rng.random()))
    cases["mini_false_positives"] = fp

    # Scores from three values: ties inside and across images, and exact duplicates.
    ties = [result(a["image_id"], perturb(rng, a, 0.1), float(rng.choice([0.5, 0.7, 0.9]))) for a in anns]
    ties += [dict(t) for t in ties[:5]]
    for img_id, im in images.items():
        ties.append(result(img_id, random_person(rng, im["width"], im["height"]), 0.7))
    cases["mini_ties"] = ties

    cases["mini_no_dets_image"] = [result(a["image_id"], perturb(rng, a, 0.06), rng.random())
                                   for a in anns if a["image_id"] != 196141]

    # 30 detections on one image: the top 20 by score count, with a tie across the cut.
    many = [result(a["image_id"], perturb(rng, a, 0.05), rng.random()) for a in anns]
    src = [a for a in anns if a["image_id"] == 197388]
    for j in range(30):
        a = src[j % len(src)]
        many.append(result(a["image_id"], perturb(rng, a, 0.15), 0.3 if j < 24 else rng.random()))
    cases["mini_many_dets"] = many

    # A non-empty bbox in the first result switches loadRes to its bbox branch (area = w*h).
    bb = []
    for a in anns:
        x, y, w, h = a["bbox"]
        f = 0.5 + rng.random()
        bb.append(result(a["image_id"], perturb(rng, a, 0.08), rng.random(), bbox=[r2(x), r2(y), r2(w * f), r2(h * f)]))
    cases["mini_bbox_field"] = bb

    # Results of a category the GT lacks are not evaluated; 785.0 is the same id as 785.
    other = [result(a["image_id"], perturb(rng, a, 0.08), rng.random()) for a in anns]
    for o in other[:4]:
        c = dict(o)
        c["category_id"] = 2
        c["score"] = 0.99
        other.append(c)
    other[0]["image_id"] = float(other[0]["image_id"])
    cases["mini_other_category"] = other
    return cases


def handmade_gt():
    """Crowd, zero-keypoint, out-of-range, id-0 annotations; images without GT; category 2."""
    def kp(points):  # [(x, y, v)] for the first joints, the rest unlabelled
        k = []
        for i in range(17):
            k += list(points[i]) if i < len(points) else [0, 0, 0]
        return k

    def person(cx, cy, s, n=17, v=2):
        pts = [(round(cx + s * np.cos(i), 1), round(cy + s * np.sin(i * 1.3), 1), v) for i in range(n)]
        return kp(pts)

    images = [{"id": i, "width": 640, "height": 480, "file_name": f"{i:012d}.jpg"} for i in range(1, 8)]
    A = []

    def ann(aid, img, kpts, area, bbox, crowd=0, cat=1):
        n = sum(1 for v in kpts[2::3] if v > 0)
        A.append({"id": aid, "image_id": img, "category_id": cat, "iscrowd": crowd, "num_keypoints": n,
                  "area": area, "bbox": bbox, "keypoints": kpts, "segmentation": [[0, 0, 1, 0, 1, 1]]})

    # image 1: a large and a medium person, and a crowd region without keypoints
    ann(11, 1, person(200, 200, 60), 15000.0, [140, 140, 120, 120])
    ann(12, 1, person(450, 300, 25), 3000.5, [425, 275, 50, 50])
    ann(13, 1, kp([]), 40000, [0, 0, 400, 400], crowd=1)
    # image 2: a zero-keypoint person (ignored; OKS by box distance) and a small person
    ann(21, 2, kp([]), 2500.0, [100, 100, 50, 50])
    ann(22, 2, person(400, 100, 8), 600.0, [390, 90, 20, 30])
    ann(23, 2, person(300, 300, 30, n=3), 1024, [280, 280, 32, 32])  # area exactly 32^2
    # image 3: no GT (only detections); image 4: GT but no detections
    ann(41, 4, person(300, 200, 40), 9000, [260, 160, 80, 80])
    # image 5: a GT whose id is 0 (pycocotools then counts its match as a miss)
    ann(0, 5, person(320, 240, 40), 8000, [280, 200, 80, 80])
    ann(51, 5, person(100, 100, 40, n=9), 9216, [60, 60, 80, 80])  # area exactly 96^2
    # image 6: a crowd region with labelled keypoints, matched by several detections
    ann(61, 6, person(320, 240, 50, n=6), 20000, [250, 170, 140, 140], crowd=1)
    ann(62, 6, person(500, 100, 30), 5000, [470, 70, 60, 60])
    # image 7: only a category-2 object (category 2 has no detections of its own ... and one)
    ann(71, 7, person(320, 240, 40), 6000, [280, 200, 80, 80], cat=2)
    cats = [{"id": 1, "name": "person", "supercategory": "person"},
            {"id": 2, "name": "other", "supercategory": "other"}]
    return {"info": {"description": "hand-made"}, "images": images, "annotations": A, "categories": cats}


def handmade_results(gt, rng):
    R = []
    by_id = {a["id"]: a for a in gt["annotations"]}

    def near(aid, noise, score, img=None, cat=1):
        a = by_id[aid]
        k = perturb(rng, a, noise) if a["num_keypoints"] > 0 else \
            np.array([[a["bbox"][0] + rng.random() * a["bbox"][2] * 2 - a["bbox"][2] * 0.5,
                       a["bbox"][1] + rng.random() * a["bbox"][3] * 2 - a["bbox"][3] * 0.5, 1.0]
                      for _ in range(17)]).reshape(-1)
        d = result(img if img is not None else a["image_id"], k, score)
        d["category_id"] = cat
        R.append(d)

    near(11, 0.05, 0.9)
    near(11, 0.2, 0.8)   # a second, worse detection of the same person
    near(12, 0.1, 0.85)
    near(13, 0.0, 0.7)   # inside the crowd box
    near(21, 0.0, 0.95)  # around the zero-keypoint person
    near(21, 0.0, 0.4)
    near(22, 0.05, 0.6)
    near(23, 0.05, 0.6)
    for _ in range(4):   # image 3 has no GT: all false positives
        R.append(result(3, random_person(rng, 640, 480), rng.random()))
    near(0, 0.03, 0.9)
    near(51, 0.05, 0.5)
    for s in (0.9, 0.8, 0.8, 0.7):  # several detections on the labelled crowd
        near(61, 0.05, s)
    near(62, 0.3, 0.75)
    near(71, 0.05, 0.9, cat=2)
    near(71, 0.05, 0.8, cat=1)  # a person detection on an image with only category-2 GT
    return R


def stress(rng, n_images=30):
    """Random GT (crowd, zero-keypoint, all sizes, empty images) and results with ties."""
    images, anns, res = [], [], []
    aid = 1
    for i in range(n_images):
        img_id = 1000 + 7 * i
        images.append({"id": img_id, "width": 640, "height": 480})
        people = []
        for _ in range(int(rng.integers(0, 6))):
            w, h = float(rng.choice([15, 40, 70, 150, 300])) * (0.7 + rng.random() * 0.6), 0.0
            h = w * (1 + rng.random())
            x, y = rng.random() * (640 - w), rng.random() * (480 - h)
            k = np.zeros((17, 3))
            k[:, 0] = np.round(x + rng.random(17) * w)
            k[:, 1] = np.round(y + rng.random(17) * h)
            k[:, 2] = rng.choice([0, 1, 2], size=17, p=[0.3, 0.2, 0.5])
            crowd = int(rng.random() < 0.1)
            if rng.random() < 0.15 or crowd:
                k[:] = 0
            k[k[:, 2] == 0, :2] = 0
            a = {"id": aid, "image_id": img_id, "category_id": 1, "iscrowd": crowd,
                 "num_keypoints": int((k[:, 2] > 0).sum()), "area": r2(w * h * 0.6),
                 "bbox": [r2(x), r2(y), r2(w), r2(h)], "keypoints": [int(v) for v in k.reshape(-1)]}
            anns.append(a)
            people.append(a)
            aid += 1
        for a in people:
            for _ in range(int(rng.integers(0, 3))):
                res.append(result(img_id, perturb(rng, a, 0.01 + 0.08 * rng.random(), drop=0.1),
                                  round(rng.random() * 20) / 20))
        for _ in range(int(rng.integers(0, 4))):
            res.append(result(img_id, random_person(rng, 640, 480), round(rng.random() * 20) / 20))
    gt = {"images": images, "annotations": anns, "categories": [{"id": 1, "name": "person"}]}
    return gt, res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.path.join(HERE, "..", "..", "..", "shared", "data"))
    args = ap.parse_args()
    os.makedirs(OUT, exist_ok=True)
    mini_path = os.path.join(args.data, "coco-mini", "annotations", "person_keypoints_val2017.json")
    with open(mini_path) as f:
        mini = json.load(f)

    golden = []

    def add(name, gt_token, gt_path, results, **dump_kw):
        fname = f"{name}_results.json"
        write_json(fname, results, **dump_kw)
        stats = pycoco_stats(gt_path, os.path.join(OUT, fname))
        golden.append({"name": name, "gt": gt_token, "results": fname, "stats": stats})
        print(f"{name:24s} " + " ".join(f"{s:.4f}" for s in stats))

    rng = np.random.default_rng(20240501)
    for name, res in mini_cases(mini, rng).items():
        kw = {"indent": 4, "sort_keys": True} if name == "mini_perturbed" else {}
        add(name, MINI_GT, mini_path, res, **kw)

    hm = handmade_gt()
    write_json("handmade_gt.json", hm)
    hm_path = os.path.join(OUT, "handmade_gt.json")
    hm_res = handmade_results(hm, np.random.default_rng(7))
    add("handmade", "handmade_gt.json", hm_path, hm_res)
    add("handmade_only_no_gt_images", "handmade_gt.json", hm_path, [r for r in hm_res if r["image_id"] == 3])
    add("handmade_crowd_only", "handmade_gt.json", hm_path, [r for r in hm_res if r["image_id"] == 6][:4])

    # "c" has more than 64 images: the evaluator then works on two halves of them at once.
    for seed, tag, n in ((11, "a", 30), (12, "b", 30), (13, "c", 70)):
        sg, sr = stress(np.random.default_rng(seed), n)
        gname = f"stress_{tag}_gt.json"
        write_json(gname, sg)
        add(f"stress_{tag}", gname, os.path.join(OUT, gname), sr)

    write_json("golden.json", {"source": "pycocotools COCOeval(iouType='keypoints'), "
                                         "tests/reference/make_coco_eval_golden.py", "cases": golden}, indent=1)


if __name__ == "__main__":
    main()
