#!/usr/bin/env python3
"""Time HRNet in PyTorch on the CPU beside our engine, same machine, threads, batch and size.

Runs `hrnet-bench model --json` for our numbers, then the same network in PyTorch
(tests/reference/hrnet_torch.py: the official structure), and prints both with the ratio.
Optional tooling: PyTorch is never needed to build or test the engine.

  python3 benchmarks/pytorch_cpu_model.py --cfg experiments/coco/hrnet/w32_256x192_adam_lr1e-3.yaml \
      --bench build/release/apps/hrnet-bench --threads 2 --eval-batch 8 --train-batch 4
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "reference"))
from hrnet_torch import HRNet, joints_mse  # noqa: E402


def read_cfg(path):
    """The few keys the timing needs, read with a tiny YAML subset parser (no PyYAML needed)."""
    import re
    text = open(path).read()
    def get(key):
        m = re.search(rf"^\s*{key}:\s*(.+)$", text, re.M)
        return m.group(1).strip() if m else None
    w, h = [int(v) for v in re.findall(r"\d+", get("IMAGE_SIZE"))]
    chans = [int(v) for v in re.findall(r"\d+", re.findall(r"NUM_CHANNELS:\s*(.+)", text)[0])]
    return {"width": chans[0], "joints": int(get("NUM_JOINTS")), "H": h, "W": w}


def median_ms(fn, warmup, repeat):
    for _ in range(warmup):
        fn()
    t = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        t.append((time.perf_counter() - t0) * 1e3)
    return sorted(t)[len(t) // 2]


def torch_times(c, eval_batch, train_batch, warmup, repeat, channels_last):
    net = HRNet(c["width"], c["joints"])
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    net = net.to(memory_format=fmt)
    x = torch.randn(eval_batch, 3, c["H"], c["W"]).to(memory_format=fmt)
    net.eval()
    with torch.no_grad():
        eval_ms = median_ms(lambda: net(x), warmup, repeat) / eval_batch
    net.train()
    xt = torch.randn(train_batch, 3, c["H"], c["W"]).to(memory_format=fmt)
    target = torch.rand(train_batch, c["joints"], c["H"] // 4, c["W"] // 4) * 0.1
    weight = torch.ones(train_batch, c["joints"])
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)

    def step():
        opt.zero_grad()
        joints_mse(net(xt), target, weight).backward()
        opt.step()
    train_ms = median_ms(step, warmup, repeat) / train_batch
    return eval_ms, train_ms


def ours(bench, cfg, threads, batches, warmup, repeat):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "r.json")
        subprocess.run([bench, "model", "--cfg", cfg, "--device", "cpu", "--threads", str(threads),
                        "--batch", ",".join(str(b) for b in batches), "--warmup", str(warmup),
                        "--repeat", str(repeat), "--json", out], check=True, stdout=subprocess.DEVNULL)
        return {r["batch"]: r for r in json.load(open(out))["results"]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cfg", default="experiments/coco/hrnet/w32_256x192_adam_lr1e-3.yaml")
    ap.add_argument("--bench", default="build/release/apps/hrnet-bench")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--eval-batch", type=int, default=8)
    ap.add_argument("--train-batch", type=int, default=4)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--channels-last", action="store_true")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    c = read_cfg(a.cfg)
    r = ours(a.bench, a.cfg, a.threads, sorted({a.eval_batch, a.train_batch}), a.warmup, a.repeat)
    t_eval, t_train = torch_times(c, a.eval_batch, a.train_batch, a.warmup, a.repeat, a.channels_last)
    o_eval, o_train = r[a.eval_batch]["eval_ms_per_image"], r[a.train_batch]["train_ms_per_image"]
    layout = "channels_last" if a.channels_last else "NCHW"
    print(f"{a.cfg}: {a.threads} threads, PyTorch {torch.__version__} ({layout}, fp32)")
    print(f"{'':28} {'ours ms/img':>12} {'PyTorch ms/img':>15} {'speed-up':>9}")
    print(f"{'eval forward, batch %d' % a.eval_batch:28} {o_eval:12.1f} {t_eval:15.1f} {t_eval / o_eval:9.2f}")
    print(f"{'train step, batch %d' % a.train_batch:28} {o_train:12.1f} {t_train:15.1f} {t_train / o_train:9.2f}")


if __name__ == "__main__":
    main()
