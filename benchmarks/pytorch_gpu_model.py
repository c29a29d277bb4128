#!/usr/bin/env python3
"""Time HRNet in PyTorch on the GPU beside our engine: same GPU, network, batch and input size.

Reads our numbers from `hrnet-bench model --device cuda --json FILE` (one file per width) and
times the same network in PyTorch (tests/reference/hrnet_torch.py: the official structure)
in three ways:
  fp32      eager, NCHW, fp32 (TF32 in cuDNN/cuBLAS as our run had it: off by default)
  amp_cl    eager, channels_last, autocast (bfloat16 by default; --amp-dtype float16 adds a
            GradScaler to the training step)
  compile   torch.compile of the amp_cl model (the fastest PyTorch configuration we know)
for the eval forward (no_grad) and the training step (forward, JointsMSELoss, backward, Adam),
timed with CUDA events (median), and prints per-image times and our speed-up against each
(PyTorch ms / our ms: above 1 means we are faster).
Optional tooling: PyTorch is never needed to build or test the engine.

  python3 benchmarks/pytorch_gpu_model.py --ours build/gpu/bench_w32.json build/gpu/bench_w48.json
"""
import argparse
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "reference"))


def cfg_geometry(path):
    """Width, joints and input size from an official-schema YAML (tiny parser, no PyYAML)."""
    import re
    text = open(path).read()
    w, h = [int(v) for v in re.findall(r"\d+", re.search(r"^\s*IMAGE_SIZE:\s*(.+)$", text, re.M).group(1))]
    chans = [int(v) for v in re.findall(r"\d+", re.findall(r"NUM_CHANNELS:\s*(.+)", text)[0])]
    joints = int(re.search(r"^\s*NUM_JOINTS:\s*(\d+)", text, re.M).group(1))
    return {"width": chans[0], "joints": joints, "H": h, "W": w}


def cuda_median_ms(torch, fn, warmup, repeat):
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(repeat):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        fn()
        b.record()
        b.synchronize()
        times.append(a.elapsed_time(b))
    return sorted(times)[len(times) // 2]


def torch_times(torch, geo, batch, mode, train, a):
    """(eval ms/img, train ms/img or None) of one PyTorch configuration."""
    from hrnet_torch import HRNet, joints_mse
    dev = torch.device("cuda")
    cl = mode in ("amp_cl", "compile")
    fmt = torch.channels_last if cl else torch.contiguous_format
    amp_dtype = getattr(torch, a.amp_dtype)
    net = HRNet(geo["width"], geo["joints"]).to(dev).to(memory_format=fmt)
    model = torch.compile(net) if mode == "compile" else net
    x = torch.randn(batch, 3, geo["H"], geo["W"], device=dev).to(memory_format=fmt)
    target = torch.rand(batch, geo["joints"], geo["H"] // 4, geo["W"] // 4, device=dev) * 0.1
    weight = torch.ones(batch, geo["joints"], device=dev)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    scaler = torch.amp.GradScaler("cuda") if cl and amp_dtype == torch.float16 else None

    def autocast():
        return torch.autocast("cuda", dtype=amp_dtype, enabled=cl)

    def forward():
        with torch.no_grad(), autocast():
            model(x)

    def step():
        opt.zero_grad(set_to_none=True)
        with autocast():
            loss = joints_mse(model(x).float(), target, weight)
        if scaler:
            scaler.scale(loss).backward()
            scaler.step(opt)
            scaler.update()
        else:
            loss.backward()
            opt.step()

    net.eval()
    eval_ms = cuda_median_ms(torch, forward, a.warmup, a.repeat) / batch
    train_ms = None
    if train:
        net.train()
        train_ms = cuda_median_ms(torch, step, a.warmup, a.repeat) / batch
    del model, net, opt
    torch.cuda.empty_cache()
    return eval_ms, train_ms


def fmt_ms(v):
    return f"{v:9.3f}" if v else f"{'-':>9}"


def fmt_ratio(theirs, ours):
    return f"{theirs / ours:7.2f}" if theirs and ours else f"{'-':>7}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--ours", nargs="+", required=True, help="hrnet-bench model --device cuda --json files")
    ap.add_argument("--modes", default="fp32,amp_cl,compile")
    ap.add_argument("--compile-batches", default="32",
                    help="batches that torch.compile is timed at (each batch size recompiles)")
    ap.add_argument("--amp-dtype", default="bfloat16", choices=["bfloat16", "float16"])
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--repeat", type=int, default=10)
    ap.add_argument("--json", help="also write every number here")
    a = ap.parse_args()

    import torch
    if not torch.cuda.is_available():
        sys.exit("pytorch_gpu_model.py: PyTorch sees no CUDA device")
    compile_batches = {int(b) for b in a.compile_batches.split(",") if b}
    rows = []
    for path in a.ours:
        ours = json.load(open(path))
        tf32 = bool(ours.get("tf32", False))
        torch.backends.cudnn.allow_tf32 = tf32
        torch.backends.cuda.matmul.allow_tf32 = tf32
        torch.backends.cudnn.benchmark = True  # PyTorch's own per-shape algorithm search, as ours does
        geo = cfg_geometry(ours["cfg"])
        for r in ours["results"]:
            batch = r["batch"]
            our_eval, our_train = r["eval_ms_per_image"] or None, r["train_ms_per_image"] or None
            for mode in a.modes.split(","):
                if mode == "compile" and batch not in compile_batches:
                    continue
                t0 = time.time()
                te, tt = torch_times(torch, geo, batch, mode, our_train is not None, a)
                rows.append({"cfg": ours["cfg"], "width": geo["width"], "batch": batch, "mode": mode,
                             "ours_eval": our_eval, "ours_train": our_train, "torch_eval": te, "torch_train": tt,
                             "seconds": time.time() - t0})
                print(f"  timed W{geo['width']} batch {batch} {mode} in {time.time() - t0:.0f} s", flush=True)
        gpu = ours.get("gpu", "")
    print(f"\nPyTorch {torch.__version__} on {torch.cuda.get_device_name()} ({gpu}); ours: hrnet-bench model; "
          f"TF32 {'on' if tf32 else 'off'}; AMP {a.amp_dtype}; CUDA-event medians of {a.repeat}")
    print(f"{'net':>4} {'batch':>5} {'pytorch mode':>12} | {'ours eval':>9} {'torch':>9} {'ratio':>7} | "
          f"{'ours train':>9} {'torch':>9} {'ratio':>7}   (ms per image; ratio = torch / ours)")
    for r in rows:
        print(f"W{r['width']:<3} {r['batch']:>5} {r['mode']:>12} | {fmt_ms(r['ours_eval'])} {fmt_ms(r['torch_eval'])} "
              f"{fmt_ratio(r['torch_eval'], r['ours_eval'])} | {fmt_ms(r['ours_train'])} "
              f"{fmt_ms(r['torch_train'])} {fmt_ratio(r['torch_train'], r['ours_train'])}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"torch": torch.__version__, "gpu": torch.cuda.get_device_name(), "rows": rows}, f, indent=2)


if __name__ == "__main__":
    main()
