#!/usr/bin/python3
"""Integrated Gradients on ResNet-50, nnviz against a plain PyTorch loop, taking turns (issue 32).

Each round runs the peer (bench/peers/ig_resnet50_torch.py) and nnviz (io.nnviz.bench.djl.IgResNet50, through DJL's
PyTorch engine) on the same TorchScript file, with the same threads, and reads the seconds each prints for its timed
run (after its own warm-up); the order alternates between rounds, so a machine that slows down costs both alike. It
prints each round, then the median of each, the ratio nnviz / PyTorch (median, and its range over the rounds), and
both against the FLOP limit: the work at the pace these cores deliver on the model's own forward pass in PyTorch
(16 images, same threads, no autograd, measured each round). The work is 50 forward passes and 50 backward passes to
the input alone (no weight gradients), each about one forward's multiply-adds: 100 forward-equivalents of one image.

    mvn -B -q -pl bench-djl -am install -DskipTests
    /usr/bin/python3 bench/peers/ig_alternate.py [--rounds 3] [--threads 2] [--method ig|smoothgrad] [--before CLASSPATH]

--method smoothgrad times SmoothGrad instead, the same work (50 noisy copies, forward and backward to the input).

--before runs a second nnviz build (its classpath) in the same rounds. Needs Debian's python3-torch, python3-torchvision
and python3-numpy; the model is written to /tmp/resnet50.pt the first time (random weights, seed 0).
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
MODEL = "/tmp/resnet50.pt"
WORK_FORWARDS = 100  # forward-equivalents of one image: 50 forwards, 50 backwards to the input


def classpath():
    out = "/tmp/nnviz-bench-djl.cp"
    subprocess.run(["mvn", "-o", "-B", "-q", "-pl", "bench-djl", "dependency:build-classpath", "-Dmdep.outputFile=" + out],
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    with open(out) as f:
        return os.path.join(ROOT, "bench-djl", "target", "classes") + ":" + f.read().strip()


def seconds(cmd, env=None):
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    m = re.search(r": ([0-9.]+) s,", p.stdout)
    if p.returncode != 0 or not m:
        sys.exit(f"{' '.join(cmd[:3])}... failed ({p.returncode}):\n{p.stdout}\n{p.stderr[-2000:]}")
    return float(m.group(1)), p.stdout.strip()


def peer(threads, method="ig"):
    return seconds(["/usr/bin/python3", os.path.join(HERE, "ig_resnet50_torch.py"), MODEL, "50", "16", str(threads), method])


def nnviz(cp, threads, method="ig"):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    return seconds(["java", "-Xmx3g", "-Dai.djl.offline=true", f"-Dai.djl.pytorch.num_threads={threads}",
                    "-Dai.djl.pytorch.num_interop_threads=1", "-cp", cp, "io.nnviz.bench.djl.IgResNet50", MODEL, "50", "16", method],
                   env)


def forward_seconds(threads):
    """Seconds per image of ResNet-50's forward pass on 16 images, no autograd, in PyTorch with the same threads,
    best of 5: what these cores deliver on this very model (Debian's BLAS is the reference one, so a matrix product
    would understate the convolutions' pace)."""
    code = ("import time, torch\n"
            f"torch.set_num_threads({threads})\n"
            f"m = torch.jit.load('{MODEL}').eval(); x = torch.full((16, 3, 224, 224), 0.5)\n"
            "best = 1e9\n"
            "with torch.no_grad():\n"
            "    m(x); m(x)\n"
            "    for _ in range(5):\n"
            "        t = time.perf_counter(); m(x); best = min(best, time.perf_counter() - t)\n"
            "print(best / 16)\n")
    return float(subprocess.run(["/usr/bin/python3", "-c", code], capture_output=True, text=True, check=True).stdout)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--method", choices=["ig", "smoothgrad"], default="ig")
    ap.add_argument("--before", help="the classpath of another nnviz build to run in the same rounds")
    a = ap.parse_args()
    cp = classpath()
    if not os.path.exists(MODEL):
        peer(a.threads)  # writes the model
    runs = {"pytorch": [], "nnviz": []}
    if a.before:
        runs["nnviz before"] = []
    limits = []
    for r in range(a.rounds):
        order = list(runs) if r % 2 == 0 else list(reversed(runs))
        for who in order:
            s, line = peer(a.threads, a.method) if who == "pytorch" else nnviz(a.before if who == "nnviz before" else cp, a.threads, a.method)
            runs[who].append(s)
            print(f"round {r + 1} {who}: {line}", flush=True)
        limits.append(WORK_FORWARDS * forward_seconds(a.threads))
    limit = statistics.median(limits)
    print(f"\nFLOP limit: {WORK_FORWARDS} forward passes at {limit / WORK_FORWARDS * 1000:.0f} ms an image (ResNet-50 in PyTorch, "
          f"16 images, {a.threads} threads, no autograd) = {limit:.2f} s; 4.1 G multiply-adds an image: "
          f"{WORK_FORWARDS * 8.2 / limit:.0f} GFLOP/s")
    torch = statistics.median(runs["pytorch"])
    for who, s in runs.items():
        med = statistics.median(s)
        print(f"{who}: median {med:.2f} s [{min(s):.2f}-{max(s):.2f}], {med / limit:.2f}x the FLOP limit")
    ratios = [n / p for n, p in zip(runs["nnviz"], runs["pytorch"])]
    print(f"nnviz / pytorch: median {statistics.median(ratios):.2f} [{min(ratios):.2f}-{max(ratios):.2f}] over {a.rounds} rounds"
          f" (medians {statistics.median(runs['nnviz']) / torch:.2f})")


if __name__ == "__main__":
    main()
