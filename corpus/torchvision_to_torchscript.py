"""Saves a torchvision architecture as TorchScript (torch.jit.script, as torchvision documents),
for the deep module trees users' TorchScript files have (layer1.0.conv1, features.3.block.1.0, ...).
Pretrained weights come from download.pytorch.org, not a package registry, so the weights are
torchvision's own seeded initialisation: these files test structure and computation, not accuracy.
Debian's python3-torchvision is enough.

  /usr/bin/python3 torchvision_to_torchscript.py ARCH OUT.pt      (ARCH: resnet18, regnet_x_400mf, ...)
"""
import os
import sys

import torch
import torchvision

sys.path.insert(0, os.path.dirname(__file__))
import torchscript_oracle  # noqa: E402


def main(arch, out):
    torch.manual_seed(0)
    net = getattr(torchvision.models, arch)().eval()
    scripted = torch.jit.script(net)
    scripted.save(out)
    x = torch.rand(1, 3, 64, 64)
    torchscript_oracle.write(net, scripted, x, out)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
