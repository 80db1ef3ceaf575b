"""Peer timings for issue #3, run beside the JMH benchmarks on the same machine.

torchvision make_grid + PIL PNG for a 64x3x7x7 filter bank and 64x112x112 activation maps,
single thread. Run with Debian's python: /usr/bin/python3 bench/peers/make_grid_peer.py
"""
import io
import time

import torch
import torchvision.utils as vu
from PIL import Image

torch.set_num_threads(1)
torch.manual_seed(0)


def png_bytes(grid):
    arr = grid.mul(255).add_(0.5).clamp_(0, 255).permute(1, 2, 0).to(torch.uint8).numpy()
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="PNG")
    return buf.getvalue()


def bench(name, fn, reps):
    fn()
    t0 = time.perf_counter()
    for _ in range(reps):
        out = fn()
    ms = (time.perf_counter() - t0) * 1000 / reps
    print(f"{name}: {ms:.2f} ms/op, {len(out)} bytes")


kernel = torch.randn(64, 3, 7, 7)
acts = torch.randn(64, 1, 112, 112)
bench("make_grid 64x3x7x7 + PIL PNG", lambda: png_bytes(vu.make_grid(kernel, nrow=8, normalize=True)), 500)
bench("make_grid 64x112x112 + PIL PNG", lambda: png_bytes(vu.make_grid(acts, nrow=8, normalize=True, scale_each=True)), 10)
