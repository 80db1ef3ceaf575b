"""GGUF files (llama.cpp's format) written to the published spec (ggml's docs/gguf.md) from real weights
the corpus already has, each with an oracle beside it (gguf_oracle.py).

  python3 gguf_files.py OUT_DIR MINILM.onnx LIBGGML_BASE.so

Files:
  minilm-f16.gguf        v3, all-MiniLM-L6-v2 (the BERT of the ONNX corpus file) as llama.cpp names a BERT's
                         tensors: matrices in F16, vectors in F32, with a tokenizer's tokens and token types
  minilm-q8_0.gguf       v3, the same with its matrices in Q8_0, quantized here with numpy per ggml's block layout
  minilm-q4_0.gguf       v2 (64-bit counts, as v3, without the byte-order flag), matrices in Q4_0, with the value
                         projections in Q4_1, the key projections in Q5_0 and the attention outputs in Q5_1 (numpy)
  minilm-k-quants.gguf   v3, ggml's own quantizer (ggml_quantize_chunk from libggml-base.so, the build an npm
                         package of llama.cpp ships) on the feed-forward down projections: Q2_K, Q3_K, Q4_K, Q5_K,
                         Q6_K and one IQ4_NL; the other matrices Q8_0 by ggml, the token embeddings in BF16
  regnet_x_400mf.gguf    v3, a convolutional network (torchvision's RegNetX-400MF, torch.manual_seed(0)'s
                         weights) with general.alignment 64, convolutions in F32, the classifier in F64 and the
                         batch norms' counters in I32

Nothing is downloaded; the numpy quantizers follow ggml-common.h's structs (block_q4_0, ...) and nothing else."""
import ctypes
import json
import os
import struct
import sys

import numpy as np
import onnx
import onnx.numpy_helper

out, onnx_path, libggml = sys.argv[1], sys.argv[2], sys.argv[3]
os.makedirs(out, exist_ok=True)

# ggml_type: (id, elements per block, bytes per block)
TYPES = {"F32": (0, 1, 4), "F16": (1, 1, 2), "Q4_0": (2, 32, 18), "Q4_1": (3, 32, 20), "Q5_0": (6, 32, 22),
         "Q5_1": (7, 32, 24), "Q8_0": (8, 32, 34), "Q2_K": (10, 256, 84), "Q3_K": (11, 256, 110), "Q4_K": (12, 256, 144),
         "Q5_K": (13, 256, 176), "Q6_K": (14, 256, 210), "IQ4_NL": (20, 32, 18), "I32": (26, 1, 4), "F64": (28, 1, 8),
         "BF16": (30, 1, 2)}
U8, I8, U16, I16, U32, I32, F32, BOOL, STRING, ARRAY, U64, I64, F64 = range(13)


# --- block quantizers (numpy), each returning the blocks' bytes for rows of a multiple of 32 values

def blocks(x, n=32):
    return x.astype(np.float32).reshape(-1, n)


def q8_0(x):
    b = blocks(x)
    d = np.abs(b).max(axis=1) / 127
    q = np.round(b / np.where(d == 0, 1, d)[:, None]).astype(np.int8)
    rec = np.zeros(len(b), dtype=[("d", "<f2"), ("qs", "i1", 32)])
    rec["d"], rec["qs"] = d, q
    return rec.tobytes()


def signed_max(b):
    """The value of largest magnitude in each block, with its sign (ggml's q4_0 and q5_0 scale by it)."""
    return b[np.arange(len(b)), np.abs(b).argmax(axis=1)]


def nibbles(q):
    """Values 0..15 of 32-element blocks as 16 bytes: element j in the low nibble of byte j, element j+16 in the high one."""
    return (q[:, :16] | (q[:, 16:] << 4)).astype(np.uint8)


def q4_0(x):
    b = blocks(x)
    d = signed_max(b) / -8
    inv = np.where(d == 0, 0, 1 / np.where(d == 0, 1, d))
    q = np.clip((b * inv[:, None] + 8.5).astype(np.int32), 0, 15)
    rec = np.zeros(len(b), dtype=[("d", "<f2"), ("qs", "u1", 16)])
    rec["d"], rec["qs"] = d, nibbles(q)
    return rec.tobytes()


def q4_1(x):
    b = blocks(x)
    lo, hi = b.min(axis=1), b.max(axis=1)
    d = (hi - lo) / 15
    inv = np.where(d == 0, 0, 1 / np.where(d == 0, 1, d))
    q = np.clip(((b - lo[:, None]) * inv[:, None] + 0.5).astype(np.int32), 0, 15)
    rec = np.zeros(len(b), dtype=[("d", "<f2"), ("m", "<f2"), ("qs", "u1", 16)])
    rec["d"], rec["m"], rec["qs"] = d, lo, nibbles(q)
    return rec.tobytes()


def high_bits(q):
    """The fifth bit of each of a block's 32 values, as one little-endian uint32 (bit j: element j)."""
    return ((q >> 4).astype(np.uint32) << np.arange(32, dtype=np.uint32)).sum(axis=1).astype(np.uint32)


def q5_0(x):
    b = blocks(x)
    d = signed_max(b) / -16
    inv = np.where(d == 0, 0, 1 / np.where(d == 0, 1, d))
    q = np.clip((b * inv[:, None] + 16.5).astype(np.int32), 0, 31)
    rec = np.zeros(len(b), dtype=[("d", "<f2"), ("qh", "<u4"), ("qs", "u1", 16)])
    rec["d"], rec["qh"], rec["qs"] = d, high_bits(q), nibbles(q & 15)
    return rec.tobytes()


def q5_1(x):
    b = blocks(x)
    lo, hi = b.min(axis=1), b.max(axis=1)
    d = (hi - lo) / 31
    inv = np.where(d == 0, 0, 1 / np.where(d == 0, 1, d))
    q = np.clip(((b - lo[:, None]) * inv[:, None] + 0.5).astype(np.int32), 0, 31)
    rec = np.zeros(len(b), dtype=[("d", "<f2"), ("m", "<f2"), ("qh", "<u4"), ("qs", "u1", 16)])
    rec["d"], rec["m"], rec["qh"], rec["qs"] = d, lo, high_bits(q), nibbles(q & 15)
    return rec.tobytes()


def bf16(x):
    u = x.astype(np.float32).view(np.uint32)
    return ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype("<u2").tobytes()  # round to nearest even


lib = ctypes.CDLL(libggml)
lib.ggml_quantize_chunk.restype = ctypes.c_size_t
lib.ggml_quantize_chunk.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64, ctypes.c_int64,
                                    ctypes.c_int64, ctypes.c_void_p]


class Traits(ctypes.Structure):
    _fields_ = [("type_name", ctypes.c_char_p), ("blck_size", ctypes.c_int64), ("blck_size_interleave", ctypes.c_int64),
                ("type_size", ctypes.c_size_t), ("is_quantized", ctypes.c_bool), ("to_float", ctypes.c_void_p),
                ("from_float_ref", ctypes.c_void_p)]


lib.ggml_get_type_traits.restype = ctypes.POINTER(Traits)
TO_FLOAT = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64)


def checked(kind, encode):
    """The numpy encoder, its blocks read back by ggml's own dequantizer: within a quantization step of the values."""
    def run(x):
        raw = encode(x)
        src = np.frombuffer(raw, np.uint8)
        back = np.zeros(x.size, np.float32)
        TO_FLOAT(lib.ggml_get_type_traits(TYPES[kind][0]).contents.to_float)(src.ctypes.data, back.ctypes.data, x.size)
        b = blocks(x)
        step = (b.max(axis=1) - b.min(axis=1)) / {"Q8_0": 127, "Q4_0": 7, "Q4_1": 15, "Q5_0": 15, "Q5_1": 31}[kind]
        err = np.abs(back.reshape(b.shape) - b)
        assert (err <= step[:, None] + 1e-6).all(), (kind, float((err - step[:, None]).max()))
        return raw
    return run


def ggml(kind):
    def quantize(x):
        t, n, size = TYPES[kind]
        rows = x.reshape(-1, x.shape[-1]).astype(np.float32)
        dst = np.zeros(rows.size // n * size, np.uint8)
        written = lib.ggml_quantize_chunk(t, rows.ctypes.data, dst.ctypes.data, 0, rows.shape[0], rows.shape[1], None)
        assert written == dst.size, (kind, written, dst.size)
        return dst.tobytes()
    return quantize


ENCODE = {"F32": lambda x: x.astype("<f4").tobytes(), "F16": lambda x: x.astype("<f2").tobytes(),
          "F64": lambda x: x.astype("<f8").tobytes(), "I32": lambda x: x.astype("<i4").tobytes(), "BF16": bf16,
          "Q8_0": checked("Q8_0", q8_0), "Q4_0": checked("Q4_0", q4_0), "Q4_1": checked("Q4_1", q4_1),
          "Q5_0": checked("Q5_0", q5_0), "Q5_1": checked("Q5_1", q5_1)}


# --- the file

def gstr(s):
    b = s.encode("utf-8")
    return struct.pack("<Q", len(b)) + b


def value(kind, v):
    if kind == STRING:
        return gstr(v)
    if kind == ARRAY:
        item, items = v
        return struct.pack("<IQ", item, len(items)) + b"".join(value(item, i) for i in items)
    return struct.pack({U8: "<B", I8: "<b", U16: "<H", I16: "<h", U32: "<I", I32: "<i", F32: "<f", BOOL: "<?",
                        U64: "<Q", I64: "<q", F64: "<d"}[kind], v)


def write(name, version, metadata, tensors, alignment=32):
    """tensors: (name, ggml type name, array in PyTorch's row-major layout, encoder or None for the type's own)."""
    if alignment != 32:
        metadata = metadata + [("general.alignment", U32, alignment)]
    head = b"GGUF" + struct.pack("<IQQ", version, len(tensors), len(metadata))
    head += b"".join(gstr(k) + struct.pack("<I", kind) + value(kind, v) for k, kind, v in metadata)
    blobs, at = [], 0
    for tname, kind, arr, enc in tensors:
        t, n, size = TYPES[kind]
        dims = list(reversed(arr.shape))  # ggml's ne[0] is the innermost (row) dimension
        assert dims[0] % n == 0, (tname, kind, dims)
        raw = (enc or ENCODE[kind])(arr)
        assert len(raw) == arr.size // n * size, (tname, kind, len(raw))
        head += gstr(tname) + struct.pack("<I", len(dims)) + struct.pack(f"<{len(dims)}Q", *dims) + struct.pack("<IQ", t, at)
        blobs.append(raw)
        at += len(raw) + (-len(raw) % alignment)
    head += b"\0" * (-len(head) % alignment)
    path = f"{out}/{name}"
    with open(path + ".part", "wb") as f:
        f.write(head)
        for raw in blobs:
            f.write(raw + b"\0" * (-len(raw) % alignment))
    os.replace(path + ".part", path)


# --- all-MiniLM-L6-v2 from its ONNX file, under llama.cpp's names for a BERT

def onnx_weights(path):
    """Initializers by name; the MatMul kernels (unnamed in the export) named after the bias added to their output, as [out, in]."""
    g = onnx.load(path).graph
    init = {t.name: onnx.numpy_helper.to_array(t) for t in g.initializer}
    named = {k: v for k, v in init.items() if not k.startswith("onnx::")}
    consumers = {}
    for n in g.node:
        for i in n.input:
            consumers.setdefault(i, []).append(n)
    for n in g.node:
        if n.op_type == "MatMul" and n.input[1] in init and n.input[1].startswith("onnx::"):
            for add in consumers.get(n.output[0], []):
                bias = [i for i in add.input if i in named and i.endswith(".bias")]
                if add.op_type == "Add" and bias:
                    named[bias[0][:-len(".bias")] + ".weight"] = init[n.input[1]].T.copy()
    return named


w = onnx_weights(onnx_path)
bert = [("token_embd", "embeddings.word_embeddings"), ("position_embd", "embeddings.position_embeddings"),
        ("token_types", "embeddings.token_type_embeddings"), ("token_embd_norm", "embeddings.LayerNorm")]
for i in range(6):
    e = f"encoder.layer.{i}."
    bert += [(f"blk.{i}.attn_q", e + "attention.self.query"), (f"blk.{i}.attn_k", e + "attention.self.key"),
             (f"blk.{i}.attn_v", e + "attention.self.value"), (f"blk.{i}.attn_output", e + "attention.output.dense"),
             (f"blk.{i}.attn_output_norm", e + "attention.output.LayerNorm"), (f"blk.{i}.ffn_up", e + "intermediate.dense"),
             (f"blk.{i}.ffn_down", e + "output.dense"), (f"blk.{i}.layer_output_norm", e + "output.LayerNorm")]
with open(os.path.join(os.path.dirname(onnx_path), "all-minilm-l6-v2-tokenizer.json")) as f:
    vocab = json.load(f)["model"]["vocab"]
tokens = [t for t, _ in sorted(vocab.items(), key=lambda kv: kv[1])]


def minilm(file_type, matrices, quantized):
    """The BERT's tensors: each matrix in the type matrices(name) gives, each vector in F32."""
    tensors = []
    for gg, src in bert:
        for part in ("weight", "bias"):
            if src + "." + part in w:
                a = w[src + "." + part].astype(np.float32)
                kind, enc = (matrices(gg), None) if a.ndim == 2 else ("F32", None)
                if isinstance(kind, tuple):
                    kind, enc = kind
                tensors.append((f"{gg}.{part}", kind, a, enc))
    meta = [("general.architecture", STRING, "bert"), ("general.name", STRING, "all-MiniLM-L6-v2"),
            ("general.file_type", U32, file_type), ("general.tags", ARRAY, (STRING, ["sentence-transformers", "feature-extraction"])),
            ("bert.block_count", U32, 6), ("bert.context_length", U32, 512), ("bert.embedding_length", U32, 384),
            ("bert.feed_forward_length", U32, 1536), ("bert.attention.head_count", U32, 12),
            ("bert.attention.layer_norm_epsilon", F32, 1e-12), ("bert.pooling_type", U32, 1),
            ("tokenizer.ggml.model", STRING, "bert"), ("tokenizer.ggml.tokens", ARRAY, (STRING, tokens)),
            ("tokenizer.ggml.token_type", ARRAY, (I32, [3 if t.startswith("[") and t.endswith("]") else 1 for t in tokens])),
            ("tokenizer.ggml.cls_token_id", U32, vocab["[CLS]"]), ("tokenizer.ggml.seperator_token_id", U32, vocab["[SEP]"])]
    if quantized:
        meta.append(("general.quantization_version", U32, 2))
    return meta, tensors


meta, tensors = minilm(1, lambda n: "F16", False)
write("minilm-f16.gguf", 3, meta, tensors)
meta, tensors = minilm(7, lambda n: "Q8_0", True)
write("minilm-q8_0.gguf", 3, meta, tensors)
MIXED = {"attn_v": "Q4_1", "attn_k": "Q5_0", "attn_output": "Q5_1"}
meta, tensors = minilm(2, lambda n: MIXED.get(n.rsplit(".", 1)[-1], "Q4_0"), True)
write("minilm-q4_0.gguf", 2, meta, tensors)
DOWN = {0: "Q2_K", 1: "Q3_K", 2: "Q4_K", 3: "Q5_K", 4: "Q6_K", 5: "IQ4_NL"}


def k_quants(n):
    if n == "token_embd":
        return "BF16"
    if n.endswith("ffn_down"):
        kind = DOWN[int(n.split(".")[1])]
        return kind, ggml(kind)
    return "Q8_0", ggml("Q8_0")


meta, tensors = minilm(15, k_quants, True)
write("minilm-k-quants.gguf", 3, meta, tensors)

# --- a convolutional network: RegNetX-400MF's architecture, seeded weights, its state_dict's own names
import torch  # noqa: E402  (only this part needs torch)
import torchvision  # noqa: E402

torch.manual_seed(0)
regnet = []
for k, v in torchvision.models.regnet_x_400mf().state_dict().items():
    a = v.numpy()
    if k.endswith("num_batches_tracked"):
        regnet.append((k, "I32", a.reshape(1).astype(np.int32), None))
    elif k.startswith("fc."):
        regnet.append((k, "F64", a.astype(np.float64), None))
    else:
        regnet.append((k, "F32", a.astype(np.float32), None))
write("regnet_x_400mf.gguf", 3, [("general.architecture", STRING, "regnet"), ("general.name", STRING, "RegNetX-400MF"),
                                  ("general.file_type", U32, 0), ("regnet.block_count", U32, 22)], regnet, alignment=64)
