#!/usr/bin/env python3
"""COCO keypoint evaluation speed: pycocotools against `hrnet-eval score` on the same files.

    python3 benchmarks/coco_eval_speed.py [--exe build/release/apps/hrnet-eval/hrnet-eval]
        [--images 5000] [--dets-per-image 6] [--seed 0] [--repeat 3] [--keep DIR]

Generates (seeded) a GT file shaped like person_keypoints_val2017.json (5000 images, ~2.2
annotations per image, crowd and zero-keypoint people, segmentation polygons) and a results
file in the official HRNet layout (json indent 4, sorted keys, center/scale fields; ~6
detections per image: perturbed people and false positives). Times
  - pycocotools: COCO(gt) + loadRes + evaluate + accumulate + summarize inside this process
    (interpreter start and imports not counted);
  - hrnet-eval score: the whole process, as a user runs it;
best of --repeat runs each; checks the ten numbers agree; prints both times and the ratio.
"""
import argparse
import contextlib
import io
import json
import os
import resource
import subprocess
import tempfile
import time

import numpy as np
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

KEYS = ["AP", "AP50", "AP75", "APm", "APl", "AR", "AR50", "AR75", "ARm", "ARl"]


def make_files(folder, n_images, dets_per_image, seed):
    rng = np.random.default_rng(seed)
    images, anns, res = [], [], []
    aid = 1
    for i in range(n_images):
        img_id = 100000 + 13 * i
        W, H = 640, 480
        images.append({"id": img_id, "width": W, "height": H, "file_name": f"{img_id:012d}.jpg",
                       "license": 1, "coco_url": "", "date_captured": "", "flickr_url": ""})
        people = []
        for _ in range(int(rng.poisson(2.2))):
            w = float(rng.choice([20, 50, 80, 150, 250])) * (0.7 + 0.6 * rng.random())
            h = w * (1 + rng.random())
            x, y = rng.random() * max(W - w, 1), rng.random() * max(H - h, 1)
            k = np.zeros((17, 3))
            k[:, 0] = np.round(x + rng.random(17) * w)
            k[:, 1] = np.round(y + rng.random(17) * h)
            k[:, 2] = rng.choice([0, 1, 2], size=17, p=[0.3, 0.2, 0.5])
            crowd = int(rng.random() < 0.01)
            if crowd or rng.random() < 0.1:
                k[:] = 0
            k[k[:, 2] == 0, :2] = 0
            poly = [round(float(v), 2) for v in
                    np.stack([x + rng.random(12) * w, y + rng.random(12) * h], axis=1).reshape(-1)]
            a = {"segmentation": [poly], "num_keypoints": int((k[:, 2] > 0).sum()), "area": round(w * h * 0.55, 4),
                 "iscrowd": crowd, "keypoints": [int(v) for v in k.reshape(-1)], "image_id": img_id,
                 "bbox": [round(x, 2), round(y, 2), round(w, 2), round(h, 2)], "category_id": 1, "id": aid}
            anns.append(a)
            people.append(a)
            aid += 1
        n_dets = int(rng.poisson(dets_per_image))
        for j in range(n_dets):
            if people and j < 2 * len(people):
                # A detection of a person: its labelled keypoints with noise, the others in its box.
                a = people[j % len(people)]
                x, y, w, h = a["bbox"]
                s = (0.01 + 0.08 * rng.random()) * np.sqrt(max(a["area"], 1.0))
                g = np.array(a["keypoints"], dtype=float).reshape(17, 3)
                kp = np.stack([x + rng.random(17) * w, y + rng.random(17) * h, rng.random(17)], axis=1)
                vis = g[:, 2] > 0
                kp[vis, 0] = g[vis, 0] + rng.normal(size=int(vis.sum())) * s
                kp[vis, 1] = g[vis, 1] + rng.normal(size=int(vis.sum())) * s
            else:
                # A false positive somewhere in the image.
                w, h = 30 + 200 * rng.random(), 60 + 300 * rng.random()
                x, y = rng.random() * W, rng.random() * H
                kp = np.stack([x + rng.random(17) * w, y + rng.random(17) * h, rng.random(17)], axis=1)
            cx, cy = x + w / 2, y + h / 2
            res.append({"category_id": 1, "center": [float(cx), float(cy)], "image_id": img_id,
                        "keypoints": [float(v) for v in kp.reshape(-1)], "scale": [w / 200 * 1.25, h / 200 * 1.25],
                        "score": float(rng.random())})
    cats = [{"supercategory": "person", "id": 1, "name": "person",
             "keypoints": [f"k{i}" for i in range(17)], "skeleton": [[16, 14], [14, 12]]}]
    gt = {"info": {"description": "benchmark"}, "licenses": [], "images": images, "annotations": anns,
          "categories": cats}
    gt_path, res_path = os.path.join(folder, "gt.json"), os.path.join(folder, "results.json")
    with open(gt_path, "w") as f:
        json.dump(gt, f)
    with open(res_path, "w") as f:
        json.dump(res, f, indent=4, sort_keys=True)  # the official writer's layout
    return gt_path, res_path, len(anns), len(res)


def run_pycocotools(gt_path, res_path):
    c0 = time.process_time()
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO(gt_path)
        dt = gt.loadRes(res_path)
        ev = COCOeval(gt, dt, "keypoints")
        ev.params.useSegm = None
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return time.perf_counter() - t0, time.process_time() - c0, [float(s) for s in ev.stats]


def run_ours(exe, gt_path, res_path, folder):
    out = os.path.join(folder, "stats.json")
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run([exe, "score", "--gt", gt_path, "--results", res_path, "--json", out], check=True,
                   stdout=subprocess.DEVNULL)
    dt = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)  # both threads
    with open(out) as f:
        s = json.load(f)
    return dt, cpu, [s[k] for k in KEYS]


def main():
    ap = argparse.ArgumentParser()
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--exe", default=os.path.join(here, "..", "build", "release", "apps", "hrnet-eval", "hrnet-eval"))
    ap.add_argument("--images", type=int, default=5000)
    ap.add_argument("--dets-per-image", type=float, default=6.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--keep", help="write the files here and keep them")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or tmp
        os.makedirs(folder, exist_ok=True)
        gt_path, res_path, n_anns, n_res = make_files(folder, args.images, args.dets_per_image, args.seed)
        mb = (os.path.getsize(gt_path) + os.path.getsize(res_path)) / 1e6
        print(f"files: {args.images} images, {n_anns} annotations, {n_res} results ({mb:.1f} MB of JSON)")
        py = [run_pycocotools(gt_path, res_path) for _ in range(args.repeat)]
        ours = [run_ours(args.exe, gt_path, res_path, folder) for _ in range(args.repeat)]
        t_py, c_py, s_py = min(r[0] for r in py), min(r[1] for r in py), py[0][2]
        t_ours, c_ours, s_ours = min(r[0] for r in ours), min(r[1] for r in ours), ours[0][2]
        diff = max(abs(a - b) for a, b in zip(s_py, s_ours))
        print("AP/AR:      " + " ".join(f"{k}={v:.4f}" for k, v in zip(KEYS, s_py)))
        print(f"max |difference| of the ten numbers: {diff:.3g}")
        print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        print(f"{'':18s} {'wall s':>8s} {'CPU s':>8s}   (best of {args.repeat})")
        print(f"{'pycocotools':18s} {t_py:8.3f} {c_py:8.3f}")
        print(f"{'hrnet-eval score':18s} {t_ours:8.3f} {c_ours:8.3f}   (whole process, both threads' CPU)")
        print(f"{'speed-up':18s} {t_py / t_ours:7.1f}x {c_py / c_ours:7.1f}x")


if __name__ == "__main__":
    main()
