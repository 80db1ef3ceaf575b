"""PyTorch checkpoints as users have them, written by Debian's python3-torch with torch.save, and an
oracle per file from torch itself: every tensor's name, shape, dtype and sum, and the parameter
total of the model (floating-point tensors that are not running statistics or counters).

  python3 torch_checkpoints.py OUT_DIR

Files already there are kept: running it again writes only what is missing.

Files: a torchvision ResNet-18 state_dict (float32), the same in float16 and bfloat16, a training
script's dict with the model under "model" and an SGD optimizer's momentum buffers, a Lightning-style
dict with the model under "state_dict", and a whole pickled module (RegNetX-400MF's architecture); and, in the
legacy (non-zip) format torch.save wrote before 1.6, in OUT_DIR-legacy: the ResNet-18 state_dict, the training script's
dict with its optimizer, and the whole pickled module, each with torch.load's reading of that file as its oracle.
A state_dict of strided views (a transposed slice, rows and columns of one shared storage, a permuted
kernel), as a model whose parameters are views of others' is saved. Architectures only: the weights are torch.manual_seed(0)'s, nothing is downloaded."""
import json
import os
import sys

import torch
import torchvision

out = sys.argv[1]
legacy = out.rstrip("/") + "-legacy"
os.makedirs(out, exist_ok=True)
os.makedirs(legacy, exist_ok=True)
_save = torch.save


def save(obj, path, **kw):
    """torch.save, unless the file is there already; written beside and renamed, so a reader never sees half of it."""
    if not os.path.exists(path):
        _save(obj, path + ".part", **kw)
        os.replace(path + ".part", path)


torch.save = save
BUFFERS = ("running_mean", "running_var", "num_batches_tracked")


def oracle(model_state, path, key=None, others=0):
    if os.path.exists(path[: path.rindex(".")] + ".oracle.json"):
        return
    tensors = {}
    params = 0
    for name, t in model_state.items():
        # "weighted" weighs the values by position (1-7, row-major): a reader that has the right values in the wrong
        # order (a strided view read as stored) gets their sum right but not this
        flat = t.double().flatten()
        tensors[name] = {"shape": list(t.shape), "dtype": str(t.dtype).replace("torch.", ""),
                         "sum": float(flat.sum()), "count": t.numel(),
                         "weighted": float((flat * (torch.arange(flat.numel()) % 7 + 1)).sum())}
        if t.is_floating_point() and name.rsplit(".", 1)[-1] not in BUFFERS:
            params += t.numel()
    with open(path[: path.rindex(".")] + ".oracle.json", "w") as f:
        json.dump({"parameters": params, "tensors": tensors, "state_dict_under": key, "other_tensors": others}, f)


torch.manual_seed(0)
resnet = torchvision.models.resnet18()
sd = resnet.state_dict()
torch.save(sd, f"{out}/resnet18.pth")
oracle(sd, f"{out}/resnet18.pth")

half = {k: (v.half() if v.is_floating_point() else v) for k, v in sd.items()}
torch.save(half, f"{out}/resnet18-fp16.pth")
oracle(half, f"{out}/resnet18-fp16.pth")

bf16 = {k: (v.bfloat16() if v.is_floating_point() else v) for k, v in sd.items()}
torch.save(bf16, f"{out}/resnet18-bf16.pt")
oracle(bf16, f"{out}/resnet18-bf16.pt")

# a training script's checkpoint: one SGD step with momentum, so the optimizer holds a buffer per parameter
small = torchvision.models.mobilenet_v2(width_mult=0.5)
opt = torch.optim.SGD(small.parameters(), lr=0.01, momentum=0.9)
small(torch.randn(2, 3, 64, 64)).sum().backward()
opt.step()
state = {"epoch": 3, "model": small.state_dict(), "optimizer": opt.state_dict()}
torch.save(state, f"{out}/mobilenet_v2-train.ckpt")
others = sum(1 for s in opt.state_dict()["state"].values() for v in s.values() if torch.is_tensor(v))
oracle(small.state_dict(), f"{out}/mobilenet_v2-train.ckpt", "model", others)

# Lightning keeps the module's state_dict under "state_dict", its keys prefixed by the attribute name
lightning = {"epoch": 1, "global_step": 10, "pytorch-lightning_version": "2.0.0",
             "state_dict": {"net." + k: v for k, v in sd.items()}, "hyper_parameters": {"lr": 0.1}}
torch.save(lightning, f"{out}/resnet18-lightning.ckpt")
oracle(lightning["state_dict"], f"{out}/resnet18-lightning.ckpt", "state_dict")

# a whole module, pickled with its classes' names (nnviz reads it without importing them)
regnet = torchvision.models.regnet_x_400mf()
torch.save(regnet, f"{out}/regnet_x_400mf-module.pt")
oracle(regnet.state_dict(), f"{out}/regnet_x_400mf-module.pt")

# parameters that are views into one storage (torch.save keeps each view's offset and strides): transposed, sliced
# rows and columns, a permuted kernel
torch.manual_seed(1)
base = torch.randn(40, 40)
kernel = torch.randn(2, 3, 3, 4)
views = {"fc1.weight": base[:6, :4].t(), "fc1.bias": base[10, 3:7], "fc2.weight": base[20:23, 5:9], "fc2.bias": base[30:33, 0],
         "conv.weight": kernel.permute(3, 1, 0, 2), "conv.bias": base[:4, 39]}
torch.save(views, f"{out}/views.pth")
oracle(views, f"{out}/views.pth")

# the legacy (non-zip) format of torch.save before 1.6
torch.save(sd, f"{out}/resnet18-legacy.pth", _use_new_zipfile_serialization=False)
# the same three kinds in the legacy format, each oracle torch.load's reading of the file written
torch.save(sd, f"{legacy}/resnet18.pth", _use_new_zipfile_serialization=False)
oracle(torch.load(f"{legacy}/resnet18.pth"), f"{legacy}/resnet18.pth")
torch.save(state, f"{legacy}/mobilenet_v2-train.ckpt", _use_new_zipfile_serialization=False)
oracle(torch.load(f"{legacy}/mobilenet_v2-train.ckpt")["model"], f"{legacy}/mobilenet_v2-train.ckpt", "model", others)
torch.save(regnet, f"{legacy}/regnet_x_400mf-module.pt", _use_new_zipfile_serialization=False)
oracle(torch.load(f"{legacy}/regnet_x_400mf-module.pt").state_dict(), f"{legacy}/regnet_x_400mf-module.pt")
