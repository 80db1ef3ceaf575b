#!/usr/bin/python3
"""The peer of nnviz's attribution benchmark: the same Integrated Gradients (or SmoothGrad), written as a plain PyTorch loop.

ResNet-50 (torchvision's architecture, random weights with seed 0: no download) is traced to
TorchScript once, so nnviz (through DJL's PyTorch engine) and this loop run the very same file:
the input is 0.5 everywhere at 224 x 224, the baseline zeros, 50 Gauss-Legendre points on the path
(as nnviz's IntegratedGradients and Captum's default), 16 points a batch, 2 threads, the target the
predicted class. Prints the seconds of a timed run after a warm-up, and the peak RSS.

With the method smoothgrad: the input is a ramp ((i mod 251) / 250 over the flat index, so its range is 1),
and the map is the gradient averaged over `steps` noisy copies of it (Gaussian noise of standard deviation
0.15, as nnviz's default of 0.15 times the input's range), `batch` copies at a time.

    /usr/bin/python3 bench/peers/ig_resnet50_torch.py /tmp/resnet50.pt [steps] [batch] [threads] [ig|smoothgrad]
"""
import os
import resource
import sys
import time

import numpy as np
import torch
import torchvision

path = sys.argv[1] if len(sys.argv) > 1 else "/tmp/resnet50.pt"
steps = int(sys.argv[2]) if len(sys.argv) > 2 else 50
batch = int(sys.argv[3]) if len(sys.argv) > 3 else 16
threads = int(sys.argv[4]) if len(sys.argv) > 4 else 2
method = sys.argv[5] if len(sys.argv) > 5 else "ig"
torch.set_num_threads(threads)
if not os.path.exists(path):
    torch.manual_seed(0)
    net = torchvision.models.resnet50(weights=None).eval()
    torch.jit.trace(net, torch.rand(1, 3, 224, 224)).save(path)
model = torch.jit.load(path).eval()
x = torch.full((1, 3, 224, 224), 0.5) if method == "ig" else (torch.arange(3 * 224 * 224) % 251 / 250).view(1, 3, 224, 224)
with torch.no_grad():
    target = int(model(x).argmax())
nodes, weights = np.polynomial.legendre.leggauss(steps)
alphas, w = (nodes + 1) / 2, weights / 2


def ig():
    total = torch.zeros_like(x)
    for start in range(0, steps, batch):
        a = torch.tensor(alphas[start:start + batch], dtype=torch.float32).view(-1, 1, 1, 1)
        path_points = (a * x).requires_grad_(True)  # baseline 0: b + a (x - b)
        score = model(path_points)[:, target].sum()
        (grad,) = torch.autograd.grad(score, path_points)
        total += (torch.tensor(w[start:start + batch], dtype=torch.float32).view(-1, 1, 1, 1) * grad).sum(0, keepdim=True)
    return x * total


def smoothgrad():
    generator = torch.Generator().manual_seed(1)
    total = torch.zeros_like(x)
    for start in range(0, steps, batch):
        n = min(batch, steps - start)
        noisy = (x + 0.15 * torch.randn((n,) + tuple(x.shape[1:]), generator=generator)).requires_grad_(True)
        score = model(noisy)[:, target].sum()
        (grad,) = torch.autograd.grad(score, noisy)
        total += grad.sum(0, keepdim=True)
    return total / steps


run = ig if method == "ig" else smoothgrad
run()  # warm-up
t0 = time.perf_counter()
attr = run()
seconds = time.perf_counter() - t0
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
if method == "ig":
    with torch.no_grad():
        gap = float(attr.sum() - (model(x)[0, target] - model(torch.zeros_like(x))[0, target]))
    print(f"pytorch IG ResNet-50 224x224 steps={steps} batch={batch} threads={threads}: {seconds:.2f} s, "
          f"peak RSS {rss} MiB, completeness gap {gap:.3g}")
else:
    print(f"pytorch SmoothGrad ResNet-50 224x224 samples={steps} batch={batch} threads={threads}: {seconds:.2f} s, "
          f"peak RSS {rss} MiB, mean |map| {float(attr.abs().mean()):.3g}")
