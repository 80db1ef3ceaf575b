#!/usr/bin/python3
"""The peer of nnviz's attention benchmark: all-MiniLM-L6-v2's attentions from the TorchScript
rebuild that returns them (corpus/onnx_bert_to_torchscript.py, the same file nnviz's TorchScript
path reads), run in PyTorch with the same token ids, 2 threads. What bertviz or Captum users run
before drawing. Prints the median of 5 timed runs after 2 warm-ups and the peak RSS.

    /usr/bin/python3 bench/peers/attention_minilm_torch.py TOKENS [threads]
"""
import os
import resource
import statistics
import sys
import time

import torch

n = int(sys.argv[1]) if len(sys.argv) > 1 else 128
threads = int(sys.argv[2]) if len(sys.argv) > 2 else 2
torch.set_num_threads(threads)
torch.set_num_interop_threads(1)
model = torch.jit.load(os.path.expanduser("~/.cache/nnviz/corpus/torchscript/minilm-attentions.pt")).eval()
ids = torch.tensor([[101 if i == 0 else 102 if i == n - 1 else 2000 + (i * 7) % 5000 for i in range(n)]], dtype=torch.long)
times = []
with torch.no_grad():
    for r in range(7):
        t0 = time.perf_counter()
        out = model(ids, torch.ones_like(ids), torch.zeros_like(ids))
        att = torch.stack(out[1:]).numpy().copy()  # into one host array, as a figure needs them
        if r >= 2:
            times.append(time.perf_counter() - t0)
print(f"pytorch attention MiniLM {n} tokens, {att.shape[0]} x {att.shape[2]} heads: {statistics.median(times):.3f} s (median of 5), "
      f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MiB")
