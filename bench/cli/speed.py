#!/usr/bin/python3
"""The CLI speed benchmark (issues 30 and 32): `nnviz inspect MODEL` as a user runs it (`java -jar`, a fresh JVM per
run, the child JVM included), for two builds of the CLI taking turns, run after run, so that a machine whose load
changes treats both alike. Per model and build it prints the median wall time with its spread (min-max), the same less
the build's own JVM start-up (`nnviz --version`, measured just before the model's runs: "after JVM start"), the peak resident
memory of the whole process tree (the nnviz JVM and its child, sampled every 20 ms), the median of nnviz's own
--timings (load, describe, render) and the machine's 1-minute load average when the model's runs began (--wait-load
waits for a quiet moment on a shared machine). The first run of each build on each model is reported apart ("first"):
it extracts the backend and, from this branch on, writes the class-data archives (see docs/cli.md).

    python3 bench/cli/speed.py [--before OLD.jar] [--after cli/target/nnviz.jar] [--runs 5] [--format svg,png,html]
                               [--wait-load 1.5] [MODEL...]

Without models it runs a set of the corpus (ONNX, Keras, TorchScript, TFLite, safetensors, GGUF, checkpoints; the
SavedModels, frozen graph and DL4J zip the backends' corpus tests write, where `mvn -B verify` made them) and the
2,000-node ONNX graph that bench/cli/make_chain_onnx.py makes from IS-Net (written once to ~/.cache/nnviz/bench).
Without --before it measures one build. A build of the branch's base, for --before: `git worktree add /tmp/base BASE &&
(cd /tmp/base && mvn -o -q -pl cli package -DskipTests)` (cli/target/nnviz.jar there; ~/.m2 must hold that base's
modules, or add them to -pl).
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CORPUS = os.environ.get("NNVIZ_CORPUS", os.path.expanduser("~/.cache/nnviz/corpus"))
BENCH = os.path.expanduser("~/.cache/nnviz/bench")
DEFAULT_MODELS = [
    "onnx/silero_vad_v5.onnx", "onnx/openwakeword-hello-deepa.onnx", "onnx/ch_ppocr_mobile_v2.0_cls_infer.onnx",
    "onnx/ch_PP-OCRv4_det_infer.onnx", "onnx/all-minilm-l6-v2.onnx", "onnx/isnet-quint8.onnx",
    "keras/esrgan-slim-x2.h5", "keras/esrgan-medium-x4.keras", "torchscript/liveness.pt", "torchscript/resnet18.pt",
    "tflite/face_detection_short_range.tflite", "tflite/selfie_segmentation.tflite", "safetensors/resnet18.safetensors",
    "gguf/minilm-q8_0.gguf", "checkpoints/resnet18.pth",
]
BUILT_MODELS = [
    "backend-tensorflow/target/corpus/emotion/saved_model", "backend-tensorflow/target/corpus/blazeface/saved_model",
    "backend-tensorflow/target/corpus/liveness/liveness.pb", "backend-dl4j/target/corpus/esrgan-slim-x2.zip",
]


def children(pid):
    """The processes whose parent is pid (a scan of /proc)."""
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    s = f.read()
                if int(s[s.rindex(")") + 2:].split()[1]) == pid:
                    out.append(int(d))
            except (OSError, ValueError):
                pass
    return out


def rss(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def run(cmd):
    """Runs cmd; returns (exit code, wall seconds, peak RSS of its process tree in bytes, stderr)."""
    with tempfile.TemporaryFile() as err:
        t0 = time.monotonic()
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err)
        peak, kids, last_scan = 0, [], 0.0
        while p.poll() is None:
            now = time.monotonic()
            if not kids and now - last_scan > 0.02:
                kids, last_scan = children(p.pid), now
            total = rss(p.pid) + sum(rss(k) for k in kids)
            if kids and all(rss(k) == 0 for k in kids):
                kids = []
            peak = max(peak, total)
            time.sleep(0.02)
        wall = time.monotonic() - t0
        err.seek(0)
        return p.returncode, wall, peak, err.read().decode("utf-8", "replace")


def load1():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def med(xs):
    return statistics.median(xs) if xs else float("nan")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--before", help="the build to compare against (a nnviz.jar)")
    ap.add_argument("--after", default=os.path.join(ROOT, "cli", "target", "nnviz.jar"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--format", default=None, help="--format for inspect (default: the CLI's, svg,png,html)")
    ap.add_argument("--wait-load", type=float, default=None,
                    help="before each model, wait (10 minutes at most) for the 1-minute load average to fall to this (a shared machine)")
    ap.add_argument("models", nargs="*")
    a = ap.parse_args()
    builds = ([("before", a.before)] if a.before else []) + [("after", a.after)]
    models = a.models
    if not models:
        models = [os.path.join(CORPUS, m) for m in DEFAULT_MODELS if os.path.exists(os.path.join(CORPUS, m))]
        # the SavedModels, frozen graphs and DL4J zip the backends' corpus tests write (mvn -B verify), where built
        models += [p for p in (os.path.join(ROOT, m) for m in BUILT_MODELS) if os.path.exists(p)]
        chain = os.path.join(BENCH, "isnet-chain-2000.onnx")
        if not os.path.exists(chain):
            os.makedirs(BENCH, exist_ok=True)
            subprocess.run(["/usr/bin/python3", os.path.join(HERE, "make_chain_onnx.py"),
                            os.path.join(CORPUS, "onnx", "isnet-quint8.onnx"), chain, "2000"], check=True)
        models.append(chain)
    with open("/proc/loadavg") as f:
        load = f.read().split()[:3]
    print(f"# {os.cpu_count()} cores, load average {' '.join(load)} at the start; {a.runs} runs per build, taking turns;"
          f" formats: {a.format or 'the default (svg,png,html)'}")
    work = tempfile.mkdtemp(prefix="nnviz-speed-")
    for name, jar in builds:
        subprocess.run(["java", "-jar", jar, "--version"], stdout=subprocess.DEVNULL, check=True)

    def versions():
        """Each build's `nnviz --version` (the JVM's own start-up), median of runs taking turns, measured now."""
        samples = {name: [] for name, _ in builds}
        for _ in range(max(3, a.runs)):
            for name, jar in builds:
                samples[name].append(run(["java", "-jar", jar, "--version"])[1])
        return {name: med(samples[name]) for name, _ in builds}

    print("# after JVM: the median wall time less the median of `nnviz --version` (the JVM's start-up), measured just before"
          " the model's runs, at the same load (shown per model, ms)")
    print(f"{'model':40s} {'build':6s} {'layers':>6s} {'first':>7s} {'wall median [min-max]':>24s} {'after JVM':>9s}"
          f" {'tree RSS MiB':>13s} {'load':>6s} {'descr':>6s} {'render':>7s} {'loadavg':>7s} {'version':>7s}")
    for m in models:
        if a.wait_load is not None:
            deadline = time.monotonic() + 600
            while load1() > a.wait_load and time.monotonic() < deadline:
                time.sleep(5)
        at_load = load1()
        version = versions()
        res = {name: [] for name, _ in builds}
        first = {}
        for name, jar in builds:
            out = os.path.join(work, "out-" + name)
            cmd = ["java", "-jar", jar, "inspect", m, "--out", out, "-q", "--timings"] + (["--format", a.format] if a.format else [])
            code, wall, peak, err = run(cmd)
            first[name] = (code, wall, err)
        for _ in range(a.runs):
            for name, jar in builds:
                out = os.path.join(work, "out-" + name)
                subprocess.run(["rm", "-rf", out])
                cmd = ["java", "-jar", jar, "inspect", m, "--out", out, "-q", "--timings"] + (["--format", a.format] if a.format else [])
                res[name].append(run(cmd))
        for name, _ in builds:
            rs = res[name]
            bad = [r for r in rs if r[0] != 0]
            label = (os.path.basename(os.path.dirname(m)) + "/" if os.path.basename(m) == "saved_model" else "") + os.path.basename(m)
            label = label[:40]
            if bad or first[name][0] != 0:
                e = (bad[0] if bad else first[name])
                print(f"{label:40s} {name:6s} exit {e[0]}: {e[-1].strip()[:150]}")
                continue
            walls = [r[1] for r in rs]
            timings = [re.search(r"load (\d+) ms.*describe (\d+) ms, render (\d+) ms.*; (\d+) layers", r[3]) for r in rs]
            t = [tuple(int(x) for x in g.groups()) for g in timings if g]
            layers = t[0][3] if t else 0
            print(f"{label:40s} {name:6s} {layers:6d} {first[name][1]:6.2f}s {med(walls):9.2f}s [{min(walls):.2f}-{max(walls):.2f}]"
                  f" {med(walls) - version[name]:8.2f}s {med([r[2] for r in rs]) / 2**20:6.0f} [{max(r[2] for r in rs) / 2**20:4.0f}]"
                  f" {med([x[0] for x in t]):6.0f} {med([x[1] for x in t]):6.0f} {med([x[2] for x in t]):7.0f} {at_load:7.1f}"
                  f" {version[name] * 1000:7.0f}")
        sys.stdout.flush()
    subprocess.run(["rm", "-rf", work])
    with open("/proc/loadavg") as f:
        print(f"# load average {' '.join(f.read().split()[:3])} at the end")


if __name__ == "__main__":
    main()
