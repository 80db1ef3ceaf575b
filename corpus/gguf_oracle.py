"""The oracle of a GGUF file: its header as @huggingface/gguf reads it (gguf_header.cjs, run with node), checked
against ggml's own reader (gguf_init_from_file in libggml-base.so, from an npm package of llama.cpp), and every
tensor's values as ggml's own dequantizer (the type's to_float) makes them: count, sum, sum of squares and 16
values at fixed places, in ggml's element order (row-major over the reversed shape, PyTorch's order).

  python3 gguf_oracle.py PARSER_DIR LIBGGML_BASE.so FILE.gguf     (writes FILE.oracle.json)"""
import ctypes
import json
import os
import subprocess
import sys

import numpy as np

parser, libggml, path = sys.argv[1], sys.argv[2], sys.argv[3]
here = os.path.dirname(os.path.abspath(__file__))
header = json.loads(subprocess.run(["node", os.path.join(here, "gguf_header.cjs"), parser, path], check=True,
                                   capture_output=True, text=True).stdout)


class Traits(ctypes.Structure):
    _fields_ = [("type_name", ctypes.c_char_p), ("blck_size", ctypes.c_int64), ("blck_size_interleave", ctypes.c_int64),
                ("type_size", ctypes.c_size_t), ("is_quantized", ctypes.c_bool), ("to_float", ctypes.c_void_p),
                ("from_float_ref", ctypes.c_void_p)]


class InitParams(ctypes.Structure):
    _fields_ = [("no_alloc", ctypes.c_bool), ("ctx", ctypes.c_void_p)]


lib = ctypes.CDLL(libggml)
lib.ggml_get_type_traits.restype = ctypes.POINTER(Traits)
lib.gguf_init_from_file.restype = ctypes.c_void_p
lib.gguf_init_from_file.argtypes = [ctypes.c_char_p, InitParams]
for f, res in (("gguf_get_n_tensors", ctypes.c_int64), ("gguf_get_data_offset", ctypes.c_size_t),
               ("gguf_get_tensor_offset", ctypes.c_size_t), ("gguf_get_tensor_type", ctypes.c_int),
               ("gguf_get_tensor_name", ctypes.c_char_p), ("gguf_get_n_kv", ctypes.c_int64), ("gguf_get_version", ctypes.c_uint32)):
    getattr(lib, f).restype = res
    getattr(lib, f).argtypes = [ctypes.c_void_p] + ([ctypes.c_int64] if "tensor_" in f else [])
lib.gguf_free.argtypes = [ctypes.c_void_p]
TO_FLOAT = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64)

# ggml's reader agrees with the parser on every tensor, or the file is not one llama.cpp reads
ctx = lib.gguf_init_from_file(path.encode(), InitParams(True, None))
assert ctx, f"ggml refuses {path}"
assert lib.gguf_get_n_tensors(ctx) == len(header["tensors"]) and lib.gguf_get_version(ctx) == header["version"]
assert lib.gguf_get_data_offset(ctx) == int(header["tensor_data_offset"])
for i, t in enumerate(header["tensors"]):
    assert lib.gguf_get_tensor_name(ctx, i).decode() == t["name"] and lib.gguf_get_tensor_offset(ctx, i) == int(t["offset"])
    assert lib.gguf_get_tensor_type(ctx, i) == t["dtype"]
n_kv = lib.gguf_get_n_kv(ctx)
lib.gguf_free(ctx)

data = np.memmap(path, np.uint8, mode="r")
start = int(header["tensor_data_offset"])
tensors, by_type = {}, {}
for t in header["tensors"]:
    traits = lib.ggml_get_type_traits(t["dtype"]).contents
    kind = traits.type_name.decode().upper()
    count = int(np.prod([int(d) for d in t["shape"]], dtype=np.int64))
    nbytes = count // traits.blck_size * traits.type_size
    raw = np.ascontiguousarray(data[start + int(t["offset"]): start + int(t["offset"]) + nbytes])
    if kind == "F32":
        v = raw.view("<f4")
    elif kind in ("F64", "I8", "I16", "I32", "I64"):
        v = raw.view({"F64": "<f8", "I8": "i1", "I16": "<i2", "I32": "<i4", "I64": "<i8"}[kind]).astype(np.float32)
    else:
        v = np.zeros(count, np.float32)
        TO_FLOAT(traits.to_float)(raw.ctypes.data, v.ctypes.data, count)
    at = np.linspace(0, count - 1, 16).astype(np.int64) if count else np.zeros(0, np.int64)
    tensors[t["name"]] = {"shape": [int(d) for d in t["shape"]], "dtype": kind, "count": count,
                          "sum": float(v.astype(np.float64).sum()), "sumsq": float((v.astype(np.float64) ** 2).sum()),
                          "samples": {str(int(i)): float(v[i]) for i in at}}
    by_type[kind] = by_type.get(kind, 0) + count
FLOATS = {"F32", "F16", "BF16", "F64"}
INTEGERS = {"I8", "I16", "I32", "I64"}
oracle = {"version": header["version"], "little_endian": header["little_endian"], "kv_count": n_kv,
          "metadata": header["metadata"], "tensor_count": len(tensors), "parameters": sum(by_type.values()),
          "parameters_by_type": by_type, "parameters_float": sum(v for k, v in by_type.items() if k in FLOATS),
          "parameters_integer": sum(v for k, v in by_type.items() if k in INTEGERS),
          "parameters_quantized": sum(v for k, v in by_type.items() if k not in FLOATS | INTEGERS), "tensors": tensors}
with open(path[: -len(".gguf")] + ".oracle.json.part", "w") as f:
    json.dump(oracle, f)
os.replace(path[: -len(".gguf")] + ".oracle.json.part", path[: -len(".gguf")] + ".oracle.json")
