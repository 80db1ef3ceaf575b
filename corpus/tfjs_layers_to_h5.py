"""Converts a TensorFlow.js layers model (model.json + weight shards) to a Keras 2 HDF5 file, and
writes what the model computes on a fixed input, computed here with NumPy (no Keras, no DL4J), so
the tests can check nnviz's DL4J import against an independent implementation.

  /usr/bin/python3 tfjs_layers_to_h5.py MODEL_DIR OUT.h5

Beside OUT.h5 it writes OUT.input.npy (a seeded NHWC input), OUT.output.npy (the model's output)
OUT.LAYER.npy for the first and the middle Conv2D layer (their outputs, NHWC), the first Conv2D's
kernel (OUT.LAYER.kernel.npy, HWIO) and OUT.oracle.json (layers per class, the parameter total and
every layer's output shape without the batch, NHWC). A free input size
(None, None) is fixed at 32 x 32, as a user re-exporting the model for a fixed size would.
Layers: InputLayer, Conv2D (same/valid, strides, linear/relu/sigmoid/tanh), Activation, Add,
Concatenate, UpSampling2D (nearest); anything else stops the conversion with its name.
"""
import json
import os
import sys

import h5py
import numpy as np

SIDE = 32


def read_weights(model_dir, manifest):
    values = {}
    for group in manifest:
        blob = b"".join(open(os.path.join(model_dir, p), "rb").read() for p in group["paths"])
        off = 0
        for w in group["weights"]:
            n = int(np.prod(w["shape"])) if w["shape"] else 1
            q = w.get("quantization")
            if q and q.get("dtype") == "float16":
                a = np.frombuffer(blob, np.float16, n, off).astype(np.float32)
                off += 2 * n
            elif q:
                raise SystemExit("unsupported quantization %s of %s" % (q, w["name"]))
            else:
                dt = {"float32": np.float32, "int32": np.int32}[w["dtype"]]
                a = np.frombuffer(blob, dt, n, off).copy()
                off += 4 * n
            values[w["name"]] = a.reshape(w["shape"])
    return values


def act(x, name):
    if name in ("linear", None):
        return x
    if name == "relu":
        return np.maximum(x, 0)
    if name == "sigmoid":
        return 1 / (1 + np.exp(-x))
    if name == "tanh":
        return np.tanh(x)
    raise SystemExit("unsupported activation " + name)


def conv2d(x, k, b, strides, padding):
    """NHWC x, HWIO k: a direct convolution by im2col."""
    n, h, w, c = x.shape
    kh, kw, _, o = k.shape
    sh, sw = strides
    if padding == "same":
        oh, ow = -(-h // sh), -(-w // sw)
        ph = max((oh - 1) * sh + kh - h, 0)
        pw = max((ow - 1) * sw + kw - w, 0)
        x = np.pad(x, ((0, 0), (ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2), (0, 0)))
    else:
        oh, ow = (h - kh) // sh + 1, (w - kw) // sw + 1
    cols = np.empty((n, oh, ow, kh, kw, c), np.float64)
    for i in range(kh):
        for j in range(kw):
            cols[:, :, :, i, j, :] = x[:, i:i + sh * oh:sh, j:j + sw * ow:sw, :]
    out = np.einsum("nhwijc,ijco->nhwo", cols, k.astype(np.float64))
    return out + (b if b is not None else 0)


def forward(config, weights, x):
    by_name = {l["name"]: l for l in config["layers"]}
    values = {}
    convs = []
    for l in config["layers"]:
        cls, cfg, name = l["class_name"], l["config"], l["name"]
        ins = [values[i[0]] for i in l["inbound_nodes"][0]] if l["inbound_nodes"] else []
        if cls == "InputLayer":
            y = x
        elif cls == "Conv2D":
            y = conv2d(ins[0], weights[name + "/kernel"], weights.get(name + "/bias"), cfg["strides"], cfg["padding"])
            y = act(y, cfg["activation"])
            convs.append(name)
        elif cls == "Activation":
            y = act(ins[0], cfg["activation"])
        elif cls == "Add":
            y = sum(ins)
        elif cls == "Concatenate":
            y = np.concatenate(ins, axis=cfg.get("axis", -1))
        elif cls == "UpSampling2D":
            sh, sw = cfg["size"]
            y = ins[0].repeat(sh, axis=1).repeat(sw, axis=2)
        else:
            raise SystemExit("unsupported layer %s (%s)" % (cls, name))
        values[name] = y
    out = values[config["output_layers"][0][0]]
    return out, values, convs


def main(model_dir, out):
    model = json.load(open(os.path.join(model_dir, "model.json")))
    topo = model["modelTopology"]
    config = topo["model_config"]
    weights = read_weights(model_dir, model["weightsManifest"])
    for l in config["config"]["layers"]:
        if l["class_name"] == "InputLayer":
            shape = l["config"]["batch_input_shape"]
            l["config"]["batch_input_shape"] = [None, shape[1] or SIDE, shape[2] or SIDE, shape[3]]
    names = [l["name"] for l in config["config"]["layers"]]
    with h5py.File(out, "w") as f:
        version = topo.get("keras_version", "2.10.0").replace("tfjs-layers ", "")
        f.attrs["keras_version"] = np.bytes_(version)
        f.attrs["backend"] = np.bytes_(topo.get("backend", "tensorflow"))
        f.attrs["model_config"] = np.bytes_(json.dumps(config))
        g = f.create_group("model_weights")
        g.attrs["layer_names"] = [np.bytes_(n) for n in names]
        g.attrs["backend"] = np.bytes_("tensorflow")
        g.attrs["keras_version"] = np.bytes_(version)
        for name in names:
            ws = [(k.split("/", 1)[1] + ":0", v) for k, v in weights.items() if k.split("/", 1)[0] == name]
            lg = g.create_group(name)
            lg.attrs["weight_names"] = [np.bytes_(name + "/" + wn) for wn, _ in ws]
            if ws:
                inner = lg.create_group(name)
                for wn, arr in ws:
                    inner.create_dataset(wn, data=arr.astype(np.float32))
    rng = np.random.default_rng(7)
    x = rng.uniform(0, 1, (1, SIDE, SIDE, 3)).astype(np.float32)
    y, values, convs = forward(config["config"], weights, x.astype(np.float64))
    base = out[:-3]
    np.save(base + ".input.npy", x)
    np.save(base + ".output.npy", y.astype(np.float32))
    for c in (convs[0], convs[len(convs) // 2]):
        np.save(base + "." + c + ".npy", values[c].astype(np.float32))
    np.save(base + "." + convs[0] + ".kernel.npy", weights[convs[0] + "/kernel"].astype(np.float32))
    classes = {}
    for l in config["config"]["layers"]:
        classes[l["class_name"]] = classes.get(l["class_name"], 0) + 1
    oracle = {
        "layers": classes,
        "parameters": int(sum(v.size for v in weights.values())),
        "shapes": {n: list(v.shape[1:]) for n, v in values.items()},
    }
    with open(base + ".oracle.json", "w") as f:
        json.dump(oracle, f, indent=1)
    print("wrote", out, "with", len(names), "layers; reference output", y.shape, "and conv layers", convs[0], convs[len(convs) // 2])


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
