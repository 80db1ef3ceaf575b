"""Rebuilds a small sequential TensorFlow.js graph model (a Keras Sequential CNN converted by the
tfjs converter) as a PyTorch module with the same weights, and saves it as TorchScript, the way a
user porting such a model to PyTorch would. Debian's python3-torch is enough.

  /usr/bin/python3 tfjs_graph_to_torchscript.py MODEL_DIR OUT.pt

The modules are named after the Keras layers (conv2d, batch_normalization_1, dense_1, ...), so the
TorchScript file's parameters have dotted names such as conv2d.weight; the module takes NCHW input.
Beside OUT.pt it writes what PyTorch computes and says about it (torchscript_oracle.py). Ops: Placeholder, _FusedConv2D
(BiasAdd, Relu), MaxPool, Relu, Sigmoid, Softmax, Mul/Add/AddV2 by a per-channel constant (a
folded batch norm), Reshape (flatten, in TensorFlow's NHWC order), _FusedMatMul, Identity.
"""
import base64
import json
import os
import re
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
from tfjs_layers_to_h5 import read_weights  # noqa: E402
import torchscript_oracle  # noqa: E402


def s(attr):
    return base64.b64decode(attr["s"]).decode() if "s" in attr else ""


def strs(attr):
    return [base64.b64decode(x).decode() for x in attr.get("list", {}).get("s", [])]


def ints(attr):
    return [int(x) for x in attr.get("list", {}).get("i", [])]


class Affine(torch.nn.Module):
    """A batch norm folded into a scale and an offset per channel, as the tfjs converter leaves it."""

    def __init__(self, scale, offset):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.tensor(scale))
        self.bias = torch.nn.Parameter(torch.tensor(offset))

    def forward(self, x):
        shape = (1, -1, 1, 1) if x.dim() == 4 else (1, -1)
        return x * self.weight.view(shape) + self.bias.view(shape)


class Net(torch.nn.Module):
    def __init__(self, steps, modules):
        super().__init__()
        self.steps = steps
        for name, m in modules.items():
            self.add_module(name, m)

    def forward(self, x):
        for kind, name in self.steps:
            if kind == "module":
                x = getattr(self, name)(x)
            elif kind == "relu":
                x = torch.relu(x)
            elif kind == "sigmoid":
                x = torch.sigmoid(x)
            elif kind == "softmax":
                x = torch.softmax(x, dim=1)
            elif kind == "flatten":
                x = x.permute(0, 2, 3, 1).reshape(x.shape[0], -1)  # TensorFlow flattens NHWC
        return x


def layer_name(node, inputs, kind, used):
    """The Keras layer's name from the node's or its weight's name, else kind_k."""
    for text in [node] + inputs:
        for part in text.split("/"):
            if re.fullmatch(kind + r"(_\d+)?", part) and part not in used:
                used.add(part)
                return part
    k = 0
    while (kind if k == 0 else "%s_%d" % (kind, k)) in used:
        k += 1
    name = kind if k == 0 else "%s_%d" % (kind, k)
    used.add(name)
    return name


def build(model_dir):
    model = json.load(open(os.path.join(model_dir, "model.json")))
    w = read_weights(model_dir, model["weightsManifest"])
    nodes = [n for n in model["modelTopology"]["node"] if n["op"] != "Const"]
    steps, modules, used = [], {}, set()
    input_shape = None
    pending_scale = None
    for n in nodes:
        op, attr, ins = n["op"], n.get("attr", {}), n.get("input", [])
        if op == "Placeholder":
            dims = [int(d["size"]) for d in attr["shape"]["shape"]["dim"]]
            input_shape = (1, dims[3], dims[1], dims[2])
        elif op == "_FusedConv2D":
            k = w[ins[1]]  # HWIO
            pad = s(attr["padding"])
            stride = ints(attr["strides"])[1:3]
            conv = torch.nn.Conv2d(k.shape[2], k.shape[3], (k.shape[0], k.shape[1]), stride=stride,
                                   padding=(k.shape[0] // 2, k.shape[1] // 2) if pad == "SAME" else 0)
            conv.weight.data = torch.tensor(k.transpose(3, 2, 0, 1).copy())
            conv.bias.data = torch.tensor(w[ins[2]])
            name = layer_name(n["name"], ins, "conv2d", used)
            modules[name] = conv
            steps.append(("module", name))
            if "Relu" in strs(attr["fused_ops"]):
                steps.append(("relu", None))
        elif op == "MaxPool":
            ks, st = ints(attr["ksize"])[1:3], ints(attr["strides"])[1:3]
            name = layer_name(n["name"], [], "max_pooling2d", used)
            modules[name] = torch.nn.MaxPool2d(ks, st)
            steps.append(("module", name))
        elif op in ("Relu", "Sigmoid", "Softmax"):
            steps.append((op.lower(), None))
        elif op == "Mul" and ins[1] in w:
            pending_scale = (n["name"], w[ins[1]].astype(np.float32))
        elif op in ("Add", "AddV2") and ins[1] in w and pending_scale is not None:
            name = layer_name(pending_scale[0], [n["name"]], "batch_normalization", used)
            modules[name] = Affine(pending_scale[1].reshape(-1), w[ins[1]].astype(np.float32).reshape(-1))
            steps.append(("module", name))
            pending_scale = None
        elif op == "Reshape":
            steps.append(("flatten", None))
        elif op == "_FusedMatMul":
            m = w[ins[1]]  # [in, out]
            lin = torch.nn.Linear(m.shape[0], m.shape[1])
            lin.weight.data = torch.tensor(m.T.copy())
            lin.bias.data = torch.tensor(w[ins[2]])
            name = layer_name(n["name"], ins, "dense", used)
            modules[name] = lin
            steps.append(("module", name))
            if "Relu" in strs(attr["fused_ops"]):
                steps.append(("relu", None))
        elif op == "Identity":
            pass
        else:
            raise SystemExit("unsupported op %s (%s)" % (op, n["name"]))
    return Net(steps, modules).eval(), input_shape


def main(model_dir, out):
    net, shape = build(model_dir)
    torch.manual_seed(0)
    x = torch.rand(shape)
    with torch.no_grad():
        scripted = torch.jit.trace(net, x)
    scripted.save(out)
    torchscript_oracle.write(net, scripted, x, out)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
