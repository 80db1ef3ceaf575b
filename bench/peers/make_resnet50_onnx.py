#!/usr/bin/python3
"""Writes ResNet-50 (torchvision's, random weights) as ONNX for the CLI benchmark.

DJL's model-zoo ResNet-50 cannot be written to an ONNX or TorchScript file by DJL itself, so the
same architecture comes from torchvision (Debian's python3-torch and python3-torchvision):
    /usr/bin/python3 bench/peers/make_resnet50_onnx.py /tmp/resnet50.onnx
"""
import sys

import torch
import torchvision

out = sys.argv[1] if len(sys.argv) > 1 else "resnet50.onnx"
model = torchvision.models.resnet50(weights=None).eval()
torch.onnx.export(model, torch.randn(1, 3, 224, 224), out, input_names=["image"], output_names=["logits"], opset_version=13)
print(out, sum(p.numel() for p in model.parameters()), "parameters")
