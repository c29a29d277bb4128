"""HRNet (PoseHighResolutionNet) in PyTorch, written from the paper (Sun et al., CVPR 2019) and
../shared/reference/official-hrnet.md, with the official module structure and state_dict keys.
Shared by the oracle (tests/reference/make_hrnet_oracle.py) and the PyTorch benchmarks
(benchmarks/). Optional tooling only: nothing in the build or the tests runs Python.
"""
import torch
import torch.nn as nn


def conv3(cin, cout, stride=1):
    return nn.Conv2d(cin, cout, 3, stride, 1, bias=False)


def conv1(cin, cout):
    return nn.Conv2d(cin, cout, 1, 1, 0, bias=False)


class Basic(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv1, self.bn1 = conv3(c, c), nn.BatchNorm2d(c)
        self.conv2, self.bn2 = conv3(c, c), nn.BatchNorm2d(c)

    def forward(self, x):
        y = torch.relu(self.bn1(self.conv1(x)))
        return torch.relu(self.bn2(self.conv2(y)) + x)


class Bottle(nn.Module):
    def __init__(self, cin, planes, project):
        super().__init__()
        self.conv1, self.bn1 = conv1(cin, planes), nn.BatchNorm2d(planes)
        self.conv2, self.bn2 = conv3(planes, planes), nn.BatchNorm2d(planes)
        self.conv3, self.bn3 = conv1(planes, 4 * planes), nn.BatchNorm2d(4 * planes)
        if project:
            self.downsample = nn.Sequential(conv1(cin, 4 * planes), nn.BatchNorm2d(4 * planes))
        else:
            self.downsample = None

    def forward(self, x):
        y = torch.relu(self.bn1(self.conv1(x)))
        y = torch.relu(self.bn2(self.conv2(y)))
        y = self.bn3(self.conv3(y))
        r = x if self.downsample is None else self.downsample(x)
        return torch.relu(y + r)


def conv_bn(cin, cout, k, stride, relu):
    layers = [conv3(cin, cout, stride) if k == 3 else conv1(cin, cout), nn.BatchNorm2d(cout)]
    if relu:
        layers.append(nn.ReLU())
    return nn.Sequential(*layers)


class Exchange(nn.Module):
    """Branches of BasicBlocks, then y_i = ReLU(sum_j f_ij(x_j))."""

    def __init__(self, chans, blocks, all_outputs):
        super().__init__()
        nb = len(chans)
        self.nb, self.outs = nb, (nb if all_outputs else 1)
        self.branches = nn.ModuleList(
            [nn.Sequential(*[Basic(c) for _ in range(blocks)]) for c in chans])
        rows = []
        for i in range(self.outs):
            row = []
            for j in range(nb):
                if j > i:
                    row.append(nn.Sequential(conv1(chans[j], chans[i]), nn.BatchNorm2d(chans[i]),
                                             nn.Upsample(scale_factor=2 ** (j - i), mode="nearest")))
                elif j == i:
                    row.append(None)
                else:
                    steps = [conv_bn(chans[j], chans[i] if k == i - j - 1 else chans[j], 3, 2,
                                     relu=k != i - j - 1) for k in range(i - j)]
                    row.append(nn.Sequential(*steps))
            rows.append(nn.ModuleList(row))
        self.fuse_layers = nn.ModuleList(rows)

    def forward(self, xs):
        xs = [b(x) for b, x in zip(self.branches, xs)]
        out = []
        for i in range(self.outs):
            y = xs[0] if i == 0 else self.fuse_layers[i][0](xs[0])
            for j in range(1, self.nb):
                y = y + (xs[j] if j == i else self.fuse_layers[i][j](xs[j]))
            out.append(torch.relu(y))
        return out


OFFICIAL_STAGES = {2: (1, 2, 4), 3: (4, 3, 4), 4: (3, 4, 4)}  # (modules, branches, blocks)


class HRNet(nn.Module):
    """PoseHighResolutionNet with the official structure and state_dict keys."""

    def __init__(self, width=32, joints=17, stages=None):
        super().__init__()
        self.stages = dict(stages or OFFICIAL_STAGES)
        C = [width * 2 ** b for b in range(4)]
        self.conv1, self.bn1 = conv3(3, 64, 2), nn.BatchNorm2d(64)
        self.conv2, self.bn2 = conv3(64, 64, 2), nn.BatchNorm2d(64)
        self.layer1 = nn.Sequential(*[Bottle(64 if i == 0 else 256, 64, i == 0) for i in range(4)])
        self.transition1 = nn.ModuleList([conv_bn(256, C[0], 3, 1, True),
                                          nn.Sequential(conv_bn(256, C[1], 3, 2, True))])
        self.stage2 = self.make_stage(2, C)
        self.transition2 = nn.ModuleList([None, None, nn.Sequential(conv_bn(C[1], C[2], 3, 2, True))])
        self.stage3 = self.make_stage(3, C)
        self.transition3 = nn.ModuleList([None, None, None,
                                          nn.Sequential(conv_bn(C[2], C[3], 3, 2, True))])
        self.stage4 = self.make_stage(4, C)
        self.final_layer = nn.Conv2d(C[0], joints, 1, 1, 0)

    def make_stage(self, s, C):
        modules, branches, blocks = self.stages[s]
        return nn.Sequential(*[Exchange(C[:branches], blocks, not (s == 4 and m == modules - 1))
                               for m in range(modules)])

    def forward(self, x):
        x = torch.relu(self.bn1(self.conv1(x)))
        x = torch.relu(self.bn2(self.conv2(x)))
        x = self.layer1(x)
        ys = [t(x) for t in self.transition1]
        ys = self.stage2(ys)
        ys = [ys[i] if t is None else t(ys[-1]) for i, t in enumerate(self.transition2)]
        ys = self.stage3(ys)
        ys = [ys[i] if t is None else t(ys[-1]) for i, t in enumerate(self.transition3)]
        ys = self.stage4(ys)
        return self.final_layer(ys[0])


def joints_mse(pred, target, weight):
    # Official JointsMSELoss: 0.5 * mean over batch, joints, pixels of (w * (pred - gt))^2.
    w = weight[:, :, None, None]
    return 0.5 * ((pred * w - target * w) ** 2).mean()


class ReluMargin:
    """Records the smallest |input| seen by any ReLU while active.

    A pre-activation within rounding distance of zero flips its ReLU between float32 and
    float64 runs and moves every gradient behind it; the oracle avoids such draws.
    """

    def __init__(self):
        self.smallest = float("inf")

    def _see(self, x):
        self.smallest = min(self.smallest, x.detach().abs().min().item())

    def __enter__(self):
        self._relu, self._module_forward = torch.relu, nn.ReLU.forward
        probe = self

        def relu(x):
            probe._see(x)
            return probe._relu(x)

        def module_forward(mod, x):
            probe._see(x)
            return probe._relu(x)

        torch.relu, nn.ReLU.forward = relu, module_forward
        return self

    def __exit__(self, *exc):
        torch.relu, nn.ReLU.forward = self._relu, self._module_forward
