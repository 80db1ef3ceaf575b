#!/usr/bin/env python3
"""TensorBoard's own loading of a runs root, the peer of nnviz's comparison (issue 20): the event
multiplexer TensorBoard's scalars and HParams pages read from (plugin_event_multiplexer, as
`tensorboard --logdir ROOT --load_fast=false` builds it), keeping 1,000 samples a scalar series
(its reservoir; nnviz keeps 1,000 points a series too). Prints the seconds to load every run, the
runs and points kept, and the peak RSS. Needs a Python with tensorboard:

    python3 -m venv /tmp/tbenv && /tmp/tbenv/bin/pip install tensorboard
    /tmp/tbenv/bin/python bench/peers/tensorboard_load.py ROOT
"""
import resource
import sys
import time

from tensorboard.backend.event_processing import plugin_event_multiplexer


def main():
    root = sys.argv[1]
    t0 = time.time()
    m = plugin_event_multiplexer.EventMultiplexer(tensor_size_guidance={"scalars": 1000}, max_reload_threads=1)
    m.AddRunsFromDirectory(root)
    m.Reload()
    seconds = time.time() - t0
    runs = m.Runs()
    points = 0
    for run, tags in runs.items():
        for tag in tags.get("tensors", []):
            points += len(m.Tensors(run, tag))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print("TensorBoard %s: %d runs (event folders) loaded in %.2f s, %d points kept, peak RSS %d MiB"
          % (__import__("tensorboard").__version__, len(runs), seconds, points, rss))


if __name__ == "__main__":
    main()
