#!/usr/bin/env python3
"""PyTorch oracle for the C++ HRNet (llm.c style): run once by hand, commit the fixture.

Builds a narrow HRNet with the official structure (written from the paper and
../shared/reference/official-hrnet.md, not from the official code), draws float32 weights and
inputs, then runs everything in float64, so the fixture is the exact answer: the C++ test
matches it to ~1e-10 in f64 (proving the implementation) and states fp32 tolerances per tensor
(measuring rounding alone). It dumps into tests/fixtures/oracle/hrnet_narrow.safetensors:

  state.<key>          initial weights, official state_dict keys, PyTorch layout
  input                [N,3,H,W] float32
  target, target_weight  heatmap targets [N,J,H/4,W/4] and weights [N,J] (some zero)
  eval.heatmaps        eval-mode output
  train.heatmaps       train-mode output (batch statistics)
  train.loss           JointsMSELoss of train.heatmaps
  grad.<param>         every parameter gradient after one backward of train.loss
  train_state.<key>    BN running statistics after that one training forward
  adam.losses          losses of three Adam steps (lr 1e-3) starting from the initial weights
  adam.final.<key>     a few parameters after the three steps

Usage (PyTorch CPU, never in CI):  python3 tests/reference/make_hrnet_oracle.py
"""
import os
import sys

import torch
import torch.nn as nn
from safetensors.torch import save_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hrnet_torch import HRNet, ReluMargin, joints_mse  # noqa: E402

torch.manual_seed(0)
torch.use_deterministic_algorithms(True)
torch.set_num_threads(1)

WIDTH = 4
JOINTS = 5
N, H, W = 2, 96, 64
SEEDS = 40
STAGES = {  # (modules, branches, blocks per branch); official: (1,2,4) (4,3,4) (3,4,4)
    2: (1, 2, 2),
    3: (2, 3, 2),
    4: (2, 4, 2),
}


def randomise(net):
    # Non-trivial weights and BN statistics so that every term of every formula matters.
    g = torch.Generator().manual_seed(1)
    for m in net.modules():
        if isinstance(m, nn.Conv2d):
            fan_in = m.in_channels * m.kernel_size[0] * m.kernel_size[1]
            m.weight.data = torch.randn(m.weight.shape, generator=g) * (2.0 / fan_in) ** 0.5
            if m.bias is not None:
                m.bias.data = torch.randn(m.bias.shape, generator=g) * 0.1
        elif isinstance(m, nn.BatchNorm2d):
            m.weight.data = 1.0 + 0.2 * torch.randn(m.weight.shape, generator=g)
            m.bias.data = 0.1 * torch.randn(m.bias.shape, generator=g)
            m.running_mean.data = 0.1 * torch.randn(m.running_mean.shape, generator=g)
            m.running_var.data = 1.0 + 0.5 * torch.rand(m.running_var.shape, generator=g)
            m.num_batches_tracked.fill_(3)


def main():
    out_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "oracle")
    os.makedirs(out_dir, exist_ok=True)
    net = HRNet(WIDTH, JOINTS, STAGES)
    randomise(net)
    init = {k: v.clone() for k, v in net.state_dict().items()}  # float32 (counters int64)

    # Of SEEDS input draws, keep the one whose smallest ReLU input (train and eval mode,
    # float64) is farthest from zero. A pre-activation within rounding distance of zero flips
    # its ReLU between float32 and float64 and moves the gradients behind it; with ~2M ReLU
    # inputs some always come within ~1e-6, so this only makes flips rarer (the C++ test's
    # float32 gradient tolerances account for the rest).
    net64 = HRNet(WIDTH, JOINTS, STAGES).double()
    best = (-1.0, None)
    for seed in range(2, 2 + SEEDS):
        g = torch.Generator().manual_seed(seed)
        cand = torch.randn(N, 3, H, W, generator=g)
        with torch.no_grad(), ReluMargin() as margin:
            for mode in (True, False):
                net64.load_state_dict(init)
                net64.train(mode)
                net64(cand.double())
        if margin.smallest > best[0]:
            best = (margin.smallest, seed)
    relu_margin, seed = best
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(N, 3, H, W, generator=g)
    print(f"input seed {seed}: smallest |ReLU input| {relu_margin:.3g}")
    target = torch.rand(N, JOINTS, H // 4, W // 4, generator=g)
    target_weight = torch.ones(N, JOINTS)
    target_weight[0, 1] = 0.0
    target_weight[1, 3] = 0.0

    t = {"input": x, "target": target, "target_weight": target_weight}
    for k, v in init.items():
        t["state." + k] = v

    # Everything below in float64: the float32 values above are exact in float64.
    net = net.double()
    init64 = {k: v.clone() for k, v in net.state_dict().items()}
    x, target, target_weight = x.double(), target.double(), target_weight.double()

    net.eval()
    with torch.no_grad():
        t["eval.heatmaps"] = net(x)

    net.train()
    y = net(x)
    loss = joints_mse(y, target, target_weight)
    loss.backward()
    t["train.heatmaps"] = y.detach()
    t["train.loss"] = loss.detach().reshape(1)
    for k, p in net.named_parameters():
        t["grad." + k] = p.grad.detach().clone()
    for k, v in net.state_dict().items():
        if "running" in k or "num_batches" in k:
            t["train_state." + k] = v.clone()

    # Three Adam steps from the initial weights (train mode, as the official trainer).
    net.load_state_dict(init64)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    losses = []
    for _ in range(3):
        opt.zero_grad()
        l = joints_mse(net(x), target, target_weight)
        l.backward()
        opt.step()
        losses.append(l.item())
    t["adam.losses"] = torch.tensor(losses, dtype=torch.float64)
    for k in ["conv1.weight", "stage4.1.fuse_layers.0.3.0.weight", "final_layer.bias"]:
        t["adam.final." + k] = dict(net.named_parameters())[k].detach().clone()

    t = {k: v.contiguous() for k, v in t.items()}
    path = os.path.join(out_dir, "hrnet_narrow.safetensors")
    save_file(t, path, metadata={"width": str(WIDTH), "joints": str(JOINTS),
                                 "input": f"{N}x3x{H}x{W}", "torch": torch.__version__,
                                 "stages": repr(STAGES), "input_seed": str(seed),
                                 "relu_margin": f"{relu_margin:.3g}"})
    print(f"wrote {path}: {len(t)} tensors, {os.path.getsize(path) / 1e6:.2f} MB; "
          f"loss {loss.item():.6g}, adam losses {losses}")


if __name__ == "__main__":
    sys.exit(main())
