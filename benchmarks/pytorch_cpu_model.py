#!/usr/bin/env python3
"""Time HRNet in PyTorch on the CPU beside our engine, same machine, threads, batch and size.

Runs `hrnet-bench model --json` for our numbers and the same network in PyTorch
(tests/reference/hrnet_torch.py: the official structure), alternating the two for --rounds
rounds, and prints each side's best round with the ratio.
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


class TorchModel:
    """The PyTorch side, built once and timed in every round."""

    def __init__(self, c, eval_batch, train_batch, channels_last):
        fmt = torch.channels_last if channels_last else torch.contiguous_format
        self.net = HRNet(c["width"], c["joints"]).to(memory_format=fmt)
        self.x = torch.randn(eval_batch, 3, c["H"], c["W"]).to(memory_format=fmt)
        self.xt = torch.randn(train_batch, 3, c["H"], c["W"]).to(memory_format=fmt)
        self.target = torch.rand(train_batch, c["joints"], c["H"] // 4, c["W"] // 4) * 0.1
        self.weight = torch.ones(train_batch, c["joints"])
        self.opt = torch.optim.Adam(self.net.parameters(), lr=1e-3)

    def times(self, warmup, repeat):
        net = self.net
        net.eval()
        with torch.no_grad():
            eval_ms = median_ms(lambda: net(self.x), warmup, repeat) / len(self.x)
        net.train()

        def step():
            self.opt.zero_grad()
            joints_mse(net(self.xt), self.target, self.weight).backward()
            self.opt.step()
        train_ms = median_ms(step, warmup, repeat) / len(self.xt)
        return eval_ms, train_ms


def ours_run(bench, cfg, threads, batch, mode, warmup, repeat):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "r.json")
        subprocess.run([bench, "model", "--cfg", cfg, "--device", "cpu", "--threads", str(threads),
                        "--batch", str(batch), "--warmup", str(warmup), "--repeat", str(repeat),
                        mode, "--json", out], check=True, stdout=subprocess.DEVNULL)
        return json.load(open(out))["results"][0]


def ours_times(bench, cfg, threads, eval_batch, train_batch, warmup, repeat):
    e = ours_run(bench, cfg, threads, eval_batch, "--no-train", warmup, repeat)["eval_ms_per_image"]
    t = ours_run(bench, cfg, threads, train_batch, "--no-eval", warmup, repeat)["train_ms_per_image"]
    return e, t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cfg", default="experiments/coco/hrnet/w32_256x192_adam_lr1e-3.yaml")
    ap.add_argument("--bench", default="build/release/apps/hrnet-bench")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--eval-batch", type=int, default=8)
    ap.add_argument("--train-batch", type=int, default=4)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--rounds", type=int, default=2,
                    help="alternate ours and PyTorch this many times; each side's best round is "
                         "reported (on a shared machine the best round is the least disturbed)")
    ap.add_argument("--channels-last", action="store_true")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    c = read_cfg(a.cfg)
    tm = TorchModel(c, a.eval_batch, a.train_batch, a.channels_last)
    rounds = []
    for r in range(a.rounds):
        o = ours_times(a.bench, a.cfg, a.threads, a.eval_batch, a.train_batch, a.warmup, a.repeat)
        t = tm.times(a.warmup, a.repeat)
        rounds.append((o, t))
        print(f"round {r + 1}: ours eval {o[0]:.1f} train {o[1]:.1f}, "
              f"PyTorch eval {t[0]:.1f} train {t[1]:.1f} ms/img", flush=True)
    o_eval = min(x[0][0] for x in rounds)
    o_train = min(x[0][1] for x in rounds)
    t_eval = min(x[1][0] for x in rounds)
    t_train = min(x[1][1] for x in rounds)
    layout = "channels_last" if a.channels_last else "NCHW"
    print(f"{a.cfg}: {a.threads} threads, PyTorch {torch.__version__} ({layout}, fp32), "
          f"best of {a.rounds} alternating rounds")
    print(f"{'':28} {'ours ms/img':>12} {'PyTorch ms/img':>15} {'speed-up':>9}")
    print(f"{'eval forward, batch %d' % a.eval_batch:28} {o_eval:12.1f} {t_eval:15.1f} {t_eval / o_eval:9.2f}")
    print(f"{'train step, batch %d' % a.train_batch:28} {o_train:12.1f} {t_train:15.1f} {t_train / o_train:9.2f}")


if __name__ == "__main__":
    main()
