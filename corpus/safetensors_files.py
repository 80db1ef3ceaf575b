"""safetensors files written to the published format (an 8-byte little-endian header length, a JSON
header of dtype, shape and data_offsets per tensor, then the bytes), from real architectures'
state_dicts (Debian's python3-torch; the safetensors package is not installable here), each with an
oracle from torch: every tensor's name, shape, dtype and sum, and the parameter total.

  python3 safetensors_files.py OUT_DIR

Files: ResNet-18 in float32 with int64 counters, MobileNetV2 in bfloat16, and a 2-layer transformer
encoder in float16 in a folder with a HuggingFace-style config.json. Seeded weights, nothing downloaded."""
import json
import os
import struct
import sys

import torch
import torchvision

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
BUFFERS = ("running_mean", "running_var", "num_batches_tracked")
DTYPES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.int64: "I64", torch.float64: "F64"}


def write(sd, path, metadata=None):
    header, blobs, at = {}, [], 0
    for name, t in sd.items():
        t = t.contiguous()
        raw = t.view(torch.int16).numpy().tobytes() if t.dtype == torch.bfloat16 else t.numpy().tobytes()
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [at, at + len(raw)]}
        blobs.append(raw)
        at += len(raw)
    if metadata:
        header["__metadata__"] = metadata
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)
    tensors, params = {}, 0
    for name, t in sd.items():
        flat = t.double().flatten()  # "weighted": the values weighted by position (1-7), which only the right order sums to
        tensors[name] = {"shape": list(t.shape), "dtype": str(t.dtype).replace("torch.", ""), "sum": float(flat.sum()),
                         "count": t.numel(), "weighted": float((flat * (torch.arange(flat.numel()) % 7 + 1)).sum())}
        if t.is_floating_point() and name.rsplit(".", 1)[-1] not in BUFFERS:
            params += t.numel()
    with open(path[: path.rindex(".")] + ".oracle.json", "w") as f:
        json.dump({"parameters": params, "tensors": tensors, "state_dict_under": None, "other_tensors": 0}, f)


torch.manual_seed(0)
write(torchvision.models.resnet18().state_dict(), f"{out}/resnet18.safetensors", {"format": "pt"})
write({k: (v.bfloat16() if v.is_floating_point() else v) for k, v in torchvision.models.mobilenet_v2(width_mult=0.5).state_dict().items()},
      f"{out}/mobilenet_v2-bf16.safetensors")
encoder = torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(d_model=64, nhead=4, dim_feedforward=128), num_layers=2)
model = {"embeddings.word_embeddings.weight": torch.randn(1000, 64)}
model.update({"encoder." + k: v for k, v in encoder.state_dict().items()})
os.makedirs(f"{out}/encoder", exist_ok=True)
write({k: v.half() for k, v in model.items()}, f"{out}/encoder/model.safetensors", {"format": "pt"})
with open(f"{out}/encoder/config.json", "w") as f:
    json.dump({"model_type": "bert", "architectures": ["BertModel"], "num_hidden_layers": 2, "num_attention_heads": 4,
               "hidden_size": 64, "intermediate_size": 128, "vocab_size": 1000, "torch_dtype": "float16"}, f)
