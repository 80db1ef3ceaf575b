"""What PyTorch itself says about a module saved as TorchScript, for the tests to compare nnviz
with: run by the scripts that write TorchScript files (tfjs_graph_to_torchscript.py,
torchvision_to_torchscript.py).

Beside OUT.pt: OUT.input.npy (the input), OUT.output.npy (PyTorch's output), OUT.NAME.npy (the
first Conv2d module's output, NCHW, NAME its dotted module name) and OUT.oracle.json: the class of
every module that owns parameters, the parameter total, the first convolution's name and the input
shape (and the first convolution's stride, padding and groups, which only its code knows).
"""
import json

import numpy as np
import torch


def write(net, scripted, x, out):
    """net: the eager module; scripted: its TorchScript form (already saved to out); x: an input."""
    base = out[:-3]
    with torch.no_grad():
        y = scripted(x)
        acts = {}
        conv = next(n for n, m in net.named_modules() if isinstance(m, torch.nn.Conv2d))
        hook = dict(net.named_modules())[conv].register_forward_hook(lambda m, i, o: acts.setdefault("conv", o))
        net(x)
        hook.remove()
    np.save(base + ".input.npy", x.numpy())
    np.save(base + ".output.npy", y.numpy())
    np.save(base + "." + conv + ".npy", acts["conv"].numpy())
    modules = {n: type(m).__name__ for n, m in net.named_modules() if any(True for _ in m.parameters(recurse=False))}
    oracle = {
        "modules": modules,
        "parameters": int(sum(p.numel() for p in net.parameters())),
        "firstConv": conv,
        # what the file's code knows and its parameters do not say: for the test's own convolution
        "firstConvStride": list(dict(net.named_modules())[conv].stride),
        "firstConvPadding": list(dict(net.named_modules())[conv].padding),
        "firstConvGroups": dict(net.named_modules())[conv].groups,
        "inputShape": list(x.shape),
    }
    with open(base + ".oracle.json", "w") as f:
        json.dump(oracle, f, indent=1)
    print("wrote", out, "with", oracle["parameters"], "parameters in", len(modules), "modules; output", tuple(y.shape))
