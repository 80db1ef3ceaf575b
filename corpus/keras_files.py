"""Writes the Keras files of the corpus that nnviz reads itself, each with h5py, json and zipfile to the
formats' layouts (no Keras on Debian), and an oracle beside each:

  /usr/bin/python3 keras_files.py CORPUS

Keras 3 archives (.keras: metadata.json, config.json and model.weights.h5, whose variables sit at
layers/<snake_case class name>[_N]/vars/<i>, nested models' under their own layers/ group) from
real TensorFlow.js layers models in CORPUS/tfjs:
  esrgan-slim-x2-free.keras UpscalerJS's ESRGAN-slim x2, its input size left free
  esrgan-medium-x4.keras    UpscalerJS's ESRGAN-medium x4 at 32 x 32
  nsfw-mobilenet-v2.keras   NSFWJS's MobileNetV2 classifier (uint8-quantized weights, dequantized), its
                            frozen base layers non-trainable
  nsfw-mobilenet-v2-nested.keras   that MobileNetV2 base nested in a Sequential with a new head (seeded),
                            compiled: the archive also holds an optimizer's variables
Keras 2 HDF5 files (model_config attribute, model_weights/<layer>/<weight name>) that DL4J's
Keras import refuses, with seeded weights:
  unet3d.h5                 a 3-D U-Net: Conv3D, BatchNormalization, MaxPooling3D, Conv3DTranspose,
                            Concatenate and a per-voxel Dense after Conv3D
  text-gru.h5               a Sequential text classifier: Embedding, Conv1D, MaxPooling1D, GRU,
                            LayerNormalization, GlobalAveragePooling1D, Dropout, Dense

Each model is run here with NumPy on a seeded input, so the oracle's output shapes are computed,
not derived. NAME.oracle.json holds: the parameter total and its trainable and non-trainable parts
(moving statistics and the weights of frozen layers are non-trainable, as Keras counts them), every
layer's weights as h5py reads them back from the file (shape in Keras's layout, sum of values, keyed
by layer path: nested layers as "outer/inner"), the layers by class, and every layer's output shape
without the batch, in Keras's channels-last layout (null for a free dimension).
"""
import io
import json
import os
import re
import sys
import zipfile

import h5py
import numpy as np

SIDE = 32
POLICY = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": None}
MOVING = ("moving_mean", "moving_variance")


# ---------------------------------------------------------------- reading tfjs layers models

def read_tfjs(model_dir):
    """A tfjs layers model: its Keras 2 model_config and its weights by 'layer/weight' name, as float32."""
    model = json.load(open(os.path.join(model_dir, "model.json")))
    values = {}
    for group in model["weightsManifest"]:
        blob = b"".join(open(os.path.join(model_dir, p), "rb").read() for p in group["paths"])
        off = 0
        for w in group["weights"]:
            n = int(np.prod(w["shape"])) if w["shape"] else 1
            q = w.get("quantization")
            if q and q["dtype"] == "uint8":
                a = np.frombuffer(blob, np.uint8, n, off).astype(np.float32) * np.float32(q["scale"]) + np.float32(q["min"])
                off += n
            elif q and q["dtype"] == "float16":
                a = np.frombuffer(blob, np.float16, n, off).astype(np.float32)
                off += 2 * n
            elif q:
                raise SystemExit("unsupported quantization %s of %s" % (q, w["name"]))
            else:
                a = np.frombuffer(blob, np.float32, n, off).copy()
                off += 4 * n
            values[w["name"]] = a.reshape(w["shape"]).astype(np.float32)
    return model["modelTopology"]["model_config"], values


def layer_weights(layers, flat):
    """Each layer's weights in Keras's order of creation, as (short name, array)."""
    order = ["kernel", "depthwise_kernel", "pointwise_kernel", "recurrent_kernel", "bias", "embeddings", "gamma", "beta",
             "moving_mean", "moving_variance"]
    out = {}
    for l in layers:
        mine = [(k.split("/", 1)[1], v) for k, v in flat.items() if k.split("/", 1)[0] == l["name"]]
        mine.sort(key=lambda kv: order.index(kv[0].split("/")[-1]))
        out[l["name"]] = mine
    return out


# ---------------------------------------------------------------- NumPy forward pass (channels last)

def pad_same(x, kernel, strides):
    pads = [(0, 0)]
    for i, (k, s) in enumerate(zip(kernel, strides)):
        n = x.shape[1 + i]
        out = -(-n // s)
        total = max((out - 1) * s + k - n, 0)
        pads.append((total // 2, total - total // 2))
    return np.pad(x, pads + [(0, 0)])


def windows(x, kernel, strides, padding):
    """(offsets, out spatial shape, padded x): the strided views of every kernel offset."""
    if padding == "same":
        x = pad_same(x, kernel, strides)
    out = [(x.shape[1 + i] - k) // s + 1 for i, (k, s) in enumerate(zip(kernel, strides))]
    views = []
    for off in np.ndindex(*kernel):
        sl = tuple(slice(o, o + s * n, s) for o, s, n in zip(off, strides, out))
        views.append((off, x[(slice(None),) + sl]))
    return views


def conv(x, k, b, strides, padding):
    kernel = k.shape[:-2]
    out = None
    for off, v in windows(x, kernel, strides, padding):
        y = np.tensordot(v, k[off], axes=([-1], [0]))
        out = y if out is None else out + y
    return out + (b if b is not None else 0)


def depthwise(x, k, b, strides, padding):
    kernel, c, m = k.shape[:-2], k.shape[-2], k.shape[-1]
    out = None
    for off, v in windows(x, kernel, strides, padding):
        y = (v[..., :, None] * k[off]).reshape(v.shape[:-1] + (c * m,))
        out = y if out is None else out + y
    return out + (b if b is not None else 0)


def conv_transpose(x, k, b, strides, padding):
    kernel = k.shape[:-2]
    assert tuple(kernel) == tuple(strides), "kernel == strides only"
    shape = (x.shape[0],) + tuple(n * s for n, s in zip(x.shape[1:-1], strides)) + (k.shape[-2],)
    out = np.zeros(shape)
    for off in np.ndindex(*kernel):
        sl = tuple(slice(o, None, s) for o, s in zip(off, strides))
        out[(slice(None),) + sl] = np.tensordot(x, k[off], axes=([-1], [1]))
    return out + (b if b is not None else 0)


def pool(x, size, strides, padding, op):
    vs = [v for _, v in windows(x, size, strides or size, padding)]
    return np.max(vs, axis=0) if op == "max" else np.mean(vs, axis=0)


def act(x, name):
    if name in ("linear", None):
        return x
    if name == "relu":
        return np.maximum(x, 0)
    if name == "sigmoid":
        return 1 / (1 + np.exp(-x))
    if name == "tanh":
        return np.tanh(x)
    if name == "softmax":
        e = np.exp(x - x.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)
    raise SystemExit("unsupported activation " + name)


def gru(x, kernel, recurrent, bias, units, return_sequences):
    """Keras's GRU with reset_after=True: bias [2, 3 units], gates z, r, h."""
    n, t, _ = x.shape
    h = np.zeros((n, units))
    outs = []
    for s in range(t):
        xi = x[:, s] @ kernel + bias[0]
        hi = h @ recurrent + bias[1]
        z = 1 / (1 + np.exp(-(xi[:, :units] + hi[:, :units])))
        r = 1 / (1 + np.exp(-(xi[:, units:2 * units] + hi[:, units:2 * units])))
        hh = np.tanh(xi[:, 2 * units:] + r * hi[:, 2 * units:])
        h = z * h + (1 - z) * hh
        outs.append(h)
    return np.stack(outs, 1) if return_sequences else h


def apply(cls, cfg, ins, w):
    x = ins[0] if ins else None
    if cls == "InputLayer":
        return x
    if cls in ("Conv1D", "Conv2D", "Conv3D"):
        return act(conv(x, w["kernel"], w.get("bias"), cfg["strides"], cfg["padding"]), cfg["activation"])
    if cls in ("Conv2DTranspose", "Conv3DTranspose"):
        return act(conv_transpose(x, w["kernel"], w.get("bias"), cfg["strides"], cfg["padding"]), cfg["activation"])
    if cls == "DepthwiseConv2D":
        k = w.get("depthwise_kernel", w.get("kernel"))
        return act(depthwise(x, k, w.get("bias"), cfg["strides"], cfg["padding"]), cfg["activation"])
    if cls == "Dense":
        return act(np.tensordot(x, w["kernel"], axes=([-1], [0])) + (w["bias"] if "bias" in w else 0), cfg["activation"])
    if cls == "BatchNormalization":
        return w.get("gamma", 1) * (x - w["moving_mean"]) / np.sqrt(w["moving_variance"] + cfg["epsilon"]) + w.get("beta", 0)
    if cls == "LayerNormalization":
        m, v = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
        return w.get("gamma", 1) * (x - m) / np.sqrt(v + cfg["epsilon"]) + w.get("beta", 0)
    if cls == "ReLU":
        y = np.maximum(x, 0)
        return np.minimum(y, cfg["max_value"]) if cfg.get("max_value") is not None else y
    if cls == "Activation":
        return act(x, cfg["activation"])
    if cls == "Add":
        return sum(ins)
    if cls == "Concatenate":
        return np.concatenate(ins, axis=cfg.get("axis", -1))
    if cls == "UpSampling2D":
        return x.repeat(cfg["size"][0], axis=1).repeat(cfg["size"][1], axis=2)
    if cls == "ZeroPadding2D":
        (t, b_), (l, r) = cfg["padding"]
        return np.pad(x, ((0, 0), (t, b_), (l, r), (0, 0)))
    if cls in ("MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling2D"):
        size = cfg["pool_size"] if isinstance(cfg["pool_size"], list) else [cfg["pool_size"]]
        strides = cfg["strides"] if isinstance(cfg["strides"], list) else [cfg["strides"]]
        return pool(x, size, strides, cfg["padding"], "max" if cls.startswith("Max") else "avg")
    if cls in ("GlobalAveragePooling1D", "GlobalAveragePooling2D"):
        return x.mean(axis=tuple(range(1, x.ndim - 1)))
    if cls == "Flatten":
        return x.reshape(x.shape[0], -1)
    if cls == "Dropout":
        return x
    if cls == "Embedding":
        return w["embeddings"][x.astype(np.int64)]
    if cls == "GRU":
        return gru(x, w["kernel"], w["recurrent_kernel"], w["bias"], cfg["units"], cfg["return_sequences"])
    raise SystemExit("unsupported layer " + cls)


def forward(layers, weights, x, sequential=False):
    """Every layer's output, by name, for input x; weights[name] = [(short name, array)]."""
    values, prev = {}, None
    for l in layers:
        name, cls = l["config"]["name"] if sequential else l["name"], l["class_name"]
        if sequential:
            ins = [x] if prev is None else [values[prev]]
        else:
            ins = [values[i[0]] for i in l["inbound_nodes"][0]] if l["inbound_nodes"] else [x]
        w = {k.split("/")[-1]: v.astype(np.float64) for k, v in weights.get(name, [])}
        values[name] = apply(cls, l["config"], ins, w)
        prev = name
    return values


# ---------------------------------------------------------------- writing

def snake(name):
    """keras.src.utils.naming.to_snake_case: the name of a layer's group in model.weights.h5."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def tensor(shape, history):
    return {"class_name": "__keras_tensor__", "config": {"shape": list(shape), "dtype": "float32", "keras_history": history}}


def k3_layer(l, shapes, functional, in_shapes):
    """A Keras 2 layer entry as Keras 3 serializes it (module, registered_name, dtype policy, build_config, inbound nodes)."""
    cls, cfg = l["class_name"], dict(l["config"])
    name = cfg["name"]
    if cls == "InputLayer":
        cfg = {"batch_shape": cfg["batch_input_shape"], "dtype": "float32", "sparse": False, "name": name}
    else:
        cfg["dtype"] = POLICY
        cfg.pop("batch_input_shape", None)
        for k in list(cfg):
            if k.endswith("_initializer") and isinstance(cfg[k], dict):
                cfg[k] = {"module": "keras.initializers", "class_name": cfg[k]["class_name"], "config": cfg[k]["config"],
                          "registered_name": None}
        if cls.startswith("Conv") and "groups" not in cfg:
            cfg["groups"] = 1
        if cls == "BatchNormalization":
            cfg["synchronized"] = False
    out = {"module": "keras.layers", "class_name": cls, "config": cfg, "registered_name": None}
    if cls != "InputLayer":
        out["build_config"] = {"input_shape": in_shapes[0] if len(in_shapes) == 1 else in_shapes}
    if functional:
        out["name"] = name
        if l["inbound_nodes"]:
            args = [tensor(shapes[i[0]], [i[0], i[1], i[2]]) for i in l["inbound_nodes"][0]]
            out["inbound_nodes"] = [{"args": [args] if len(args) > 1 else args, "kwargs": {}}]
        else:
            out["inbound_nodes"] = []
    return out


def k3_functional(name, layers, shapes, inputs, outputs, single):
    ins = {}
    for l in layers:
        ins[l["name"]] = [shapes[i[0]] for i in l["inbound_nodes"][0]] if l["inbound_nodes"] else []
    io_ = (lambda xs: [xs[0], 0, 0] if single else [[x, 0, 0] for x in xs])
    return {"module": "keras.src.models.functional", "class_name": "Functional",
            "config": {"name": name, "trainable": True, "layers": [k3_layer(l, shapes, True, ins[l["name"]]) for l in layers],
                       "input_layers": io_(inputs), "output_layers": io_(outputs)},
            "registered_name": "Functional", "build_config": {"input_shape": shapes[inputs[0]]}}


def k3_vars(h5, prefix, layers, weights, sequential):
    """Each layer's variables at PREFIX/layers/<snake class>[_N]/vars/<i>, as Keras 3's saving_lib walks a model's layers."""
    h5.require_group(prefix + "vars" if prefix else "vars")
    used = {}
    for l in layers:
        cls = l["class_name"]
        if sequential and cls == "InputLayer":
            continue  # Sequential.layers leaves out its InputLayer
        n = snake(cls)
        if n in used:
            used[n] += 1
            n = "%s_%d" % (n, used[n])
        else:
            used[n] = 0
        path = prefix + "layers/" + n
        if "layers" in l:  # a nested model
            k3_vars(h5, path + "/", l["layers"], weights, l.get("sequential", False))
            continue
        g = h5.require_group(path + "/vars")
        for i, (_, v) in enumerate(weights.get(l["config"]["name"], [])):
            g.create_dataset(str(i), data=v)


def write_keras(path, config, write_vars):
    bio = io.BytesIO()
    with h5py.File(bio, "w") as h5:
        write_vars(h5)
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("metadata.json", json.dumps({"keras_version": "3.8.0", "date_saved": "2025-01-20@12:00:00"}))
        z.writestr("config.json", json.dumps(config))
        z.writestr("model.weights.h5", bio.getvalue())


def write_h5(path, config, layer_names, weights, version="2.13.1"):
    """Keras 2's model.save('m.h5'): model_config as JSON, model_weights/<layer> with weight_names and the datasets."""
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = version
        f.attrs["backend"] = "tensorflow"
        f.attrs["model_config"] = json.dumps(config)
        g = f.create_group("model_weights")
        g.attrs["layer_names"] = np.array([n.encode() for n in layer_names])
        g.attrs["backend"] = b"tensorflow"
        g.attrs["keras_version"] = version.encode()
        for name in layer_names:
            lg = g.create_group(name)
            ws = weights.get(name, [])
            lg.attrs["weight_names"] = np.array([(name + "/" + wn + ":0").encode() for wn, _ in ws], dtype="S")
            for wn, v in ws:
                lg.create_dataset(name + "/" + wn + ":0", data=v)


# ---------------------------------------------------------------- oracles

def oracle(out, classes, tensors, trainable_layers, shapes):
    """tensors: {layer path: {weight: array read back}}; trainable_layers: {layer path: bool}."""
    total = non = 0
    ws = {}
    for layer, d in tensors.items():
        ws[layer] = {}
        for wn, a in d.items():
            ws[layer][wn] = {"shape": list(a.shape), "sum": float(np.asarray(a, np.float64).sum())}
            total += a.size
            if wn in MOVING or not trainable_layers[layer]:
                non += a.size
    o = {"parameters": int(total), "trainable": int(total - non), "non_trainable": int(non), "layers": classes, "weights": ws,
         "shapes": shapes}
    with open(out, "w") as f:
        json.dump(o, f, indent=1)
    return o


def counts(layers):
    c = {}
    for l in layers:
        c[l["class_name"]] = c.get(l["class_name"], 0) + 1
    return c


def shapes_of(values, free=None):
    s = {}
    for n, v in values.items():
        dims = list(v.shape[1:])
        if free:
            dims = [None if i in free else d for i, d in enumerate(dims)]
        s[n] = dims
    return s


def read_back_k3(path, prefix_of):
    """{layer path: {weight name: array}} as h5py reads model.weights.h5 from the archive, named by prefix_of."""
    with zipfile.ZipFile(path) as z, h5py.File(io.BytesIO(z.read("model.weights.h5")), "r") as h5:
        return {layer: {wn: h5[p + "/vars/" + str(i)][()] for i, wn in enumerate(names)} for layer, (p, names) in prefix_of.items()}


def k3_paths(layers, weights, sequential, prefix="", outer=""):
    """{layer path: (h5 group, [weight names])}, walked as k3_vars writes."""
    out, used = {}, {}
    for l in layers:
        cls = l["class_name"]
        if sequential and cls == "InputLayer":
            continue
        n = snake(cls)
        if n in used:
            used[n] += 1
            n = "%s_%d" % (n, used[n])
        else:
            used[n] = 0
        name = l["config"]["name"]
        if "layers" in l:
            out.update(k3_paths(l["layers"], weights, l.get("sequential", False), prefix + "layers/" + n + "/", outer + name + "/"))
        elif weights.get(name):
            # Keras 3 names a DepthwiseConv2D's kernel "kernel" (Keras 2: "depthwise_kernel")
            names = [("kernel" if cls == "DepthwiseConv2D" and wn == "depthwise_kernel" else wn) for wn, _ in weights[name]]
            out[outer + name] = (prefix + "layers/" + n, names)
    return out


def trainable_map(layers, outer="", frozen=False):
    m = {}
    for l in layers:
        name = l["config"]["name"]
        t = not frozen and l["config"].get("trainable", True)
        if "layers" in l:
            m.update(trainable_map(l["layers"], outer + name + "/", not t))
        else:
            m[outer + name] = t
    return m


# ---------------------------------------------------------------- the files

def from_tfjs(corpus, src, stem, side=None, free=False):
    cfg2, flat = read_tfjs(os.path.join(corpus, "tfjs", src))
    layers = cfg2["config"]["layers"]
    for l in layers:
        if l["class_name"] == "InputLayer":
            s = l["config"]["batch_input_shape"]
            if side:
                l["config"]["batch_input_shape"] = [None, s[1] or side, s[2] or side, s[3]]
            run_shape = [1, s[1] or SIDE, s[2] or SIDE, s[3]]
    weights = layer_weights(layers, flat)
    x = np.random.default_rng(7).uniform(0, 1, run_shape)
    values = forward(layers, weights, x)
    shapes = {n: [None] + list(v.shape[1:]) for n, v in values.items()}
    if free:
        shapes = {n: [None if 0 < i < len(s) - 1 else d for i, d in enumerate(s)] for n, s in shapes.items()}
    inputs = [i[0] for i in cfg2["config"]["input_layers"]]
    outputs = [o[0] for o in cfg2["config"]["output_layers"]]
    return layers, weights, shapes, inputs, outputs


def keras3_flat(corpus, src, stem, side=None, free=False, single=True):
    out = os.path.join(corpus, "keras", stem + ".keras")
    layers, weights, shapes, inputs, outputs = from_tfjs(corpus, src, stem, side, free)
    config = k3_functional(stem.replace("-", "_"), layers, shapes, inputs, outputs, single)
    config["compile_config"] = None
    write_keras(out, config, lambda h5: k3_vars(h5, "", layers, weights, False))
    got = read_back_k3(out, k3_paths(layers, weights, False))
    o = oracle(out[:-6] + ".oracle.json", counts(layers), got, trainable_map(layers), {n: s[1:] for n, s in shapes.items()})
    print("wrote", out, len(layers), "layers,", o["parameters"], "parameters (", o["non_trainable"], "non-trainable )")
    return layers, weights, shapes


def keras3_nested(corpus, layers, weights, shapes, stem):
    """The MobileNetV2 base (up to out_relu) nested in a Sequential with a new, seeded head, compiled with Adam."""
    out = os.path.join(corpus, "keras", stem + ".keras")
    cut = [l["name"] for l in layers].index("out_relu") + 1
    base = layers[:cut]
    rng = np.random.default_rng(11)
    head = {"head_dense": [("kernel", (rng.standard_normal((1280, 5)) * 0.02).astype(np.float32)),
                           ("bias", np.zeros(5, np.float32))]}
    weights = dict(weights, **head)
    fshape = shapes["out_relu"]
    base_cfg = k3_functional("mobilenetv2_1.00_224", base, shapes, [base[0]["name"]], ["out_relu"], True)
    gap = {"class_name": "GlobalAveragePooling2D", "config": {"name": "pool", "trainable": True, "data_format": "channels_last",
                                                              "keepdims": False}}
    drop = {"class_name": "Dropout", "config": {"name": "head_dropout", "trainable": True, "rate": 0.2, "noise_shape": None,
                                                "seed": None}}
    dense = {"class_name": "Dense", "config": {"name": "head_dense", "trainable": True, "units": 5, "activation": "softmax",
                                               "use_bias": True, "kernel_initializer": {"class_name": "GlorotUniform", "config": {
                                                   "seed": None}}, "bias_initializer": {"class_name": "Zeros", "config": {}},
                                               "kernel_regularizer": None, "bias_regularizer": None, "activity_regularizer": None,
                                               "kernel_constraint": None, "bias_constraint": None}}
    inp = {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 224, 224, 3], "name": "image"}}
    base_cfg["config"]["trainable"] = False  # the base frozen whole, as in transfer learning
    seq_layers = [k3_layer(inp, shapes, False, []), base_cfg, k3_layer(gap, shapes, False, [fshape]),
                  k3_layer(drop, shapes, False, [[None, 1280]]), k3_layer(dense, shapes, False, [[None, 1280]])]
    config = {"module": "keras", "class_name": "Sequential",
              "config": {"name": "nsfw_finetune", "trainable": True, "dtype": POLICY, "layers": seq_layers},
              "registered_name": None, "build_config": {"input_shape": [None, 224, 224, 3]},
              "compile_config": {"optimizer": {"module": "keras.optimizers", "class_name": "Adam", "config": {"name": "adam",
                                 "learning_rate": 0.001}, "registered_name": None}, "loss": "categorical_crossentropy",
                                 "metrics": ["accuracy"]}}
    base_entry = {"class_name": "Functional", "config": {"name": "mobilenetv2_1.00_224", "trainable": False}, "layers": base}
    walk = [inp, base_entry, gap, drop, dense]

    def vars_(h5):
        k3_vars(h5, "", walk, weights, True)
        opt = h5.require_group("optimizer/vars")  # Adam: iterations, learning rate, then a moment pair per trainable variable
        opt.create_dataset("0", data=np.int64(120))
        opt.create_dataset("1", data=np.float32(0.001))
        for i, (_, v) in enumerate(head["head_dense"]):
            opt.create_dataset(str(2 + 2 * i), data=np.zeros_like(v))
            opt.create_dataset(str(3 + 2 * i), data=np.zeros_like(v))

    write_keras(out, config, vars_)
    got = read_back_k3(out, k3_paths(walk, weights, True))
    values_shapes = {"image": [224, 224, 3], "pool": [1280], "head_dropout": [1280], "head_dense": [5]}
    values_shapes.update({"mobilenetv2_1.00_224/" + n: s[1:] for n, s in shapes.items() if n in {l["name"] for l in base}})
    classes = counts(base)
    for l in (inp, gap, drop, dense):
        classes[l["class_name"]] = classes.get(l["class_name"], 0) + 1
    o = oracle(out[:-6] + ".oracle.json", classes, got, trainable_map(walk), values_shapes)
    print("wrote", out, "(nested)", o["parameters"], "parameters (", o["non_trainable"], "non-trainable )")


def init(cls, **cfg):
    return {"class_name": cls, "config": cfg}


# the fields Keras 2 writes for each layer with weights, as get_config gives them
KERNEL = {"kernel_initializer": init("GlorotUniform", seed=None), "bias_initializer": init("Zeros"), "kernel_regularizer": None,
          "bias_regularizer": None, "activity_regularizer": None, "kernel_constraint": None, "bias_constraint": None}
EXTRA = {
    "Conv1D": KERNEL, "Conv3D": KERNEL, "Conv3DTranspose": KERNEL, "Dense": KERNEL,
    "Embedding": {"embeddings_initializer": init("RandomUniform", minval=-0.05, maxval=0.05, seed=None), "embeddings_regularizer": None,
                  "activity_regularizer": None, "embeddings_constraint": None},
    "GRU": dict(KERNEL, recurrent_initializer=init("Orthogonal", gain=1.0, seed=None), recurrent_regularizer=None,
                recurrent_constraint=None),
    "BatchNormalization": {"beta_initializer": init("Zeros"), "gamma_initializer": init("Ones"),
                           "moving_mean_initializer": init("Zeros"), "moving_variance_initializer": init("Ones"),
                           "beta_regularizer": None, "gamma_regularizer": None, "beta_constraint": None, "gamma_constraint": None},
    "LayerNormalization": {"beta_initializer": init("Zeros"), "gamma_initializer": init("Ones"), "beta_regularizer": None,
                           "gamma_regularizer": None, "beta_constraint": None, "gamma_constraint": None},
}


def k2_layer(cls, name, inbound=None, **cfg):
    c = {"name": name, "trainable": True, "dtype": "float32"}
    c.update({k: v for k, v in EXTRA.get(cls, {}).items() if k not in cfg})
    c.update(cfg)
    l = {"class_name": cls, "config": c, "name": name}
    if inbound is not None:
        l["inbound_nodes"] = [[[i, 0, 0, {}] for i in inbound]] if inbound else []
    return l


def conv3d(name, filters, inbound, k=3, act="relu"):
    return k2_layer("Conv3D", name, inbound, filters=filters, kernel_size=[k] * 3, strides=[1, 1, 1], padding="same",
                    data_format="channels_last", dilation_rate=[1, 1, 1], groups=1, activation=act, use_bias=True,
                    kernel_initializer={"class_name": "HeNormal", "config": {"seed": None}},
                    bias_initializer={"class_name": "Zeros", "config": {}}, kernel_regularizer=None, bias_regularizer=None,
                    activity_regularizer=None, kernel_constraint=None, bias_constraint=None)


def seeded(rng, shape, fan_in):
    return (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(np.float32)


def unet3d(corpus):
    out = os.path.join(corpus, "keras", "unet3d.h5")
    rng = np.random.default_rng(3)
    L = [k2_layer("InputLayer", "volume", [], batch_input_shape=[None, 16, 16, 16, 1], sparse=False, ragged=False),
         conv3d("enc1_a", 8, ["volume"]),
         k2_layer("BatchNormalization", "enc1_bn", ["enc1_a"], axis=[4], momentum=0.99, epsilon=0.001, center=True, scale=True),
         conv3d("enc1_b", 8, ["enc1_bn"]),
         k2_layer("MaxPooling3D", "pool1", ["enc1_b"], pool_size=[2, 2, 2], padding="valid", strides=[2, 2, 2],
                  data_format="channels_last"),
         conv3d("mid_a", 16, ["pool1"]),
         conv3d("mid_b", 16, ["mid_a"]),
         k2_layer("Conv3DTranspose", "up1", ["mid_b"], filters=8, kernel_size=[2, 2, 2], strides=[2, 2, 2], padding="same",
                  data_format="channels_last", dilation_rate=[1, 1, 1], groups=1, activation="linear", use_bias=True,
                  output_padding=None),
         k2_layer("Concatenate", "skip1", ["up1", "enc1_b"], axis=-1),
         conv3d("dec1", 8, ["skip1"]),
         k2_layer("Dense", "voxel_classes", ["dec1"], units=3, activation="softmax", use_bias=True)]
    w = {}
    cin = {"enc1_a": 1, "enc1_b": 8, "mid_a": 8, "mid_b": 16, "dec1": 16}
    for l in L:
        n, c = l["name"], l["config"]
        if l["class_name"] == "Conv3D":
            w[n] = [("kernel", seeded(rng, (3, 3, 3, cin[n], c["filters"]), 27 * cin[n])),
                    ("bias", (rng.standard_normal(c["filters"]) * 0.01).astype(np.float32))]
    w["enc1_bn"] = [("gamma", (1 + 0.1 * rng.standard_normal(8)).astype(np.float32)), ("beta", (0.1 * rng.standard_normal(8)).astype(np.float32)),
                    ("moving_mean", (0.1 * rng.standard_normal(8)).astype(np.float32)),
                    ("moving_variance", (1 + 0.1 * rng.uniform(0, 1, 8)).astype(np.float32))]
    w["up1"] = [("kernel", seeded(rng, (2, 2, 2, 8, 16), 8 * 16)), ("bias", np.zeros(8, np.float32))]
    w["voxel_classes"] = [("kernel", seeded(rng, (8, 3), 8)), ("bias", np.zeros(3, np.float32))]
    config = {"class_name": "Functional", "config": {"name": "unet3d", "layers": L, "input_layers": [["volume", 0, 0]],
                                                     "output_layers": [["voxel_classes", 0, 0]]}}
    names = [l["name"] for l in L]
    write_h5(out, config, names, w)
    values = forward(L, w, np.random.default_rng(5).uniform(0, 1, (1, 16, 16, 16, 1)))
    finish_h5(out, L, values)


def text_gru(corpus):
    out = os.path.join(corpus, "keras", "text-gru.h5")
    rng = np.random.default_rng(4)
    L = [k2_layer("InputLayer", "tokens", batch_input_shape=[None, 64], sparse=False, ragged=False),
         k2_layer("Embedding", "embedding", input_dim=1000, output_dim=32, embeddings_initializer={"class_name": "RandomUniform",
                  "config": {"minval": -0.05, "maxval": 0.05, "seed": None}}, mask_zero=False, input_length=64),
         k2_layer("Conv1D", "conv1d", filters=32, kernel_size=[5], strides=[1], padding="valid", data_format="channels_last",
                  dilation_rate=[1], groups=1, activation="relu", use_bias=True),
         k2_layer("MaxPooling1D", "max_pooling1d", pool_size=[2], padding="valid", strides=[2], data_format="channels_last"),
         k2_layer("GRU", "gru", units=24, activation="tanh", recurrent_activation="sigmoid", use_bias=True, return_sequences=True,
                  return_state=False, go_backwards=False, stateful=False, unroll=False, time_major=False, reset_after=True,
                  dropout=0.0, recurrent_dropout=0.0),
         k2_layer("LayerNormalization", "layer_normalization", axis=[2], epsilon=0.001, center=True, scale=True),
         k2_layer("GlobalAveragePooling1D", "global_average_pooling1d", data_format="channels_last", keepdims=False),
         k2_layer("Dropout", "dropout", rate=0.3, noise_shape=None, seed=None),
         k2_layer("Dense", "dense", units=4, activation="softmax", use_bias=True)]
    L[1]["config"]["trainable"] = False  # pretrained embeddings kept frozen
    w = {"embedding": [("embeddings", rng.uniform(-0.05, 0.05, (1000, 32)).astype(np.float32))],
         "conv1d": [("kernel", seeded(rng, (5, 32, 32), 160)), ("bias", np.zeros(32, np.float32))],
         "gru": [("gru_cell/kernel", seeded(rng, (32, 72), 32)), ("gru_cell/recurrent_kernel", seeded(rng, (24, 72), 24)),
                 ("gru_cell/bias", (0.01 * rng.standard_normal((2, 72))).astype(np.float32))],
         "layer_normalization": [("gamma", np.ones(24, np.float32)), ("beta", np.zeros(24, np.float32))],
         "dense": [("kernel", seeded(rng, (24, 4), 24)), ("bias", np.zeros(4, np.float32))]}
    config = {"class_name": "Sequential", "config": {"name": "text_gru", "layers": L}}
    names = [l["config"]["name"] for l in L[1:]]  # Keras 2's Sequential lists no InputLayer among its layers' weights
    write_h5(out, config, names, w)
    values = forward(L, w, np.random.default_rng(6).integers(0, 1000, (1, 64)).astype(np.float64), sequential=True)
    finish_h5(out, L, values, sequential=True)


def finish_h5(out, L, values, sequential=False):
    got = {}
    with h5py.File(out, "r") as f:
        for name in f["model_weights"].attrs["layer_names"]:
            g = f["model_weights"][name.decode()]
            d = {wn.decode().split("/")[-1].split(":")[0]: g[wn.decode()][()] for wn in g.attrs["weight_names"]}
            if d:
                got[name.decode()] = d
    tr = {l["config"]["name"]: l["config"].get("trainable", True) for l in L}
    o = oracle(out[:-3] + ".oracle.json", counts(L), got, tr, shapes_of(values))
    print("wrote", out, len(L), "layers,", o["parameters"], "parameters (", o["non_trainable"], "non-trainable )")


def main(corpus):
    os.makedirs(os.path.join(corpus, "keras"), exist_ok=True)
    keras3_flat(corpus, "esrgan-slim-x2", "esrgan-slim-x2-free", free=True)
    keras3_flat(corpus, "esrgan-medium-x4", "esrgan-medium-x4", side=SIDE, single=False)
    layers, weights, shapes = keras3_flat(corpus, "nsfw-mobilenet-v2", "nsfw-mobilenet-v2")
    keras3_nested(corpus, layers, weights, shapes, "nsfw-mobilenet-v2-nested")
    unet3d(corpus)
    text_gru(corpus)


if __name__ == "__main__":
    main(sys.argv[1])
