#!/usr/bin/python3
"""What a .tflite file holds, read with Debian's python3-flatbuffers (its Table reader), written as JSON.

usage: tflite_oracle.py MODEL.tflite OUT.oracle.json

The oracle for nnviz's TFLite reader (backend-tensorflow's TfliteCorpusTest): the operators of the
main subgraph in execution order (builtin names, custom ops by their custom_code, the tensors each
reads and writes), the subgraph's inputs, every tensor's
name, shape (and shape signature, where the converter left dimensions open) and dtype, which tensors are parameters (constant tensors of a float type, or of an
integer type with a quantization scale) and their totals by dtype, and the sum of each parameter's
values as float32 after dequantizing (f = scale * (q - zero_point), per channel along
quantized_dimension), plain and weighted by position in the dense row-major layout (sparse ones made
dense here, as TFLite's DENSIFY does). Field slots are the schema's (tensorflow/lite/schema/schema.fbs, field i at
vtable offset 4 + 2 i), written here by hand and independently of the Java reader.
"""
import json
import sys

import flatbuffers
import numpy as np
from flatbuffers import number_types as N
from flatbuffers.table import Table

# tflite.TensorType: name and bytes per element (0: no fixed size)
TENSOR_TYPES = {0: ("float32", 4), 1: ("float16", 2), 2: ("int32", 4), 3: ("uint8", 1), 4: ("int64", 8), 5: ("string", 0),
                6: ("bool", 1), 7: ("int16", 2), 8: ("complex64", 8), 9: ("int8", 1), 10: ("float64", 8), 11: ("complex128", 16),
                12: ("uint64", 8), 13: ("resource", 0), 14: ("variant", 0), 15: ("uint32", 4), 16: ("uint16", 2), 17: ("int4", 0)}
NUMPY = {"float32": "<f4", "float16": "<f2", "float64": "<f8", "int32": "<i4", "uint8": "u1", "int64": "<i8", "int16": "<i2",
         "int8": "i1", "uint64": "<u8", "uint32": "<u4", "uint16": "<u2"}

# tflite.BuiltinOperator, by code
BUILTINS = """ADD AVERAGE_POOL_2D CONCATENATION CONV_2D DEPTHWISE_CONV_2D DEPTH_TO_SPACE DEQUANTIZE EMBEDDING_LOOKUP FLOOR
FULLY_CONNECTED HASHTABLE_LOOKUP L2_NORMALIZATION L2_POOL_2D LOCAL_RESPONSE_NORMALIZATION LOGISTIC LSH_PROJECTION LSTM MAX_POOL_2D
MUL RELU RELU_N1_TO_1 RELU6 RESHAPE RESIZE_BILINEAR RNN SOFTMAX SPACE_TO_DEPTH SVDF TANH CONCAT_EMBEDDINGS SKIP_GRAM CALL CUSTOM
EMBEDDING_LOOKUP_SPARSE PAD UNIDIRECTIONAL_SEQUENCE_RNN GATHER BATCH_TO_SPACE_ND SPACE_TO_BATCH_ND TRANSPOSE MEAN SUB DIV SQUEEZE
UNIDIRECTIONAL_SEQUENCE_LSTM STRIDED_SLICE BIDIRECTIONAL_SEQUENCE_RNN EXP TOPK_V2 SPLIT LOG_SOFTMAX DELEGATE
BIDIRECTIONAL_SEQUENCE_LSTM CAST PRELU MAXIMUM ARG_MAX MINIMUM LESS NEG PADV2 GREATER GREATER_EQUAL LESS_EQUAL SELECT SLICE SIN
TRANSPOSE_CONV SPARSE_TO_DENSE TILE EXPAND_DIMS EQUAL NOT_EQUAL LOG SUM SQRT RSQRT SHAPE POW ARG_MIN FAKE_QUANT REDUCE_PROD
REDUCE_MAX PACK LOGICAL_OR ONE_HOT LOGICAL_AND LOGICAL_NOT UNPACK REDUCE_MIN FLOOR_DIV REDUCE_ANY SQUARE ZEROS_LIKE FILL FLOOR_MOD
RANGE RESIZE_NEAREST_NEIGHBOR LEAKY_RELU SQUARED_DIFFERENCE MIRROR_PAD ABS SPLIT_V UNIQUE CEIL REVERSE_V2 ADD_N GATHER_ND COS WHERE
RANK ELU REVERSE_SEQUENCE MATRIX_DIAG QUANTIZE MATRIX_SET_DIAG ROUND HARD_SWISH IF WHILE NON_MAX_SUPPRESSION_V4
NON_MAX_SUPPRESSION_V5 SCATTER_ND SELECT_V2 DENSIFY SEGMENT_SUM BATCH_MATMUL PLACEHOLDER_FOR_GREATER_OP_CODES CUMSUM CALL_ONCE
BROADCAST_TO RFFT2D CONV_3D IMAG REAL COMPLEX_ABS HASHTABLE HASHTABLE_FIND HASHTABLE_IMPORT HASHTABLE_SIZE REDUCE_ALL
CONV_3D_TRANSPOSE VAR_HANDLE READ_VARIABLE ASSIGN_VARIABLE BROADCAST_ARGS RANDOM_STANDARD_NORMAL BUCKETIZE RANDOM_UNIFORM
MULTINOMIAL GELU DYNAMIC_UPDATE_SLICE RELU_0_TO_1 UNSORTED_SEGMENT_PROD UNSORTED_SEGMENT_MAX UNSORTED_SEGMENT_SUM ATAN2
UNSORTED_SEGMENT_MIN SIGN BITCAST BITWISE_XOR RIGHT_SHIFT""".split()


def slot(i):
    return 4 + 2 * i


class T:
    """A table at pos in buf, read through flatbuffers' Table."""

    def __init__(self, buf, pos):
        self.t = Table(buf, pos)
        self.buf = buf

    def off(self, i):
        return self.t.Offset(slot(i))

    def scalar(self, i, flags, default=0):
        o = self.off(i)
        return self.t.Get(flags, o + self.t.Pos) if o else default

    def table(self, i):
        o = self.off(i)
        return T(self.buf, self.t.Indirect(o + self.t.Pos)) if o else None

    def string(self, i):
        o = self.off(i)
        return self.t.String(o + self.t.Pos).decode("utf-8", "replace") if o else None

    def vector_len(self, i):
        o = self.off(i)
        return self.t.VectorLen(o) if o else 0

    def tables(self, i):
        o = self.off(i)
        if not o:
            return []
        start = self.t.Vector(o)
        return [T(self.buf, self.t.Indirect(start + 4 * k)) for k in range(self.t.VectorLen(o))]

    def numbers(self, i, flags):
        o = self.off(i)
        return list(self.t.GetVectorAsNumpy(flags, o)) if o else []

    def bytes_range(self, i):
        o = self.off(i)
        if not o:
            return 0, 0
        return self.t.Vector(o), self.t.VectorLen(o)


def densify(sp, shape, values):
    """A sparse tensor's values (SparsityParameters sp: traversal_order, block_map, dim_metadata) dense, row-major."""
    order = sp.numbers(0, N.Int32Flags)
    block_map = sp.numbers(1, N.Int32Flags)
    dims = sp.tables(2)
    n = len(shape)
    block = [1] * n
    for level, d in enumerate(order):
        if d >= n:
            block[block_map[d - n]] = dims[level].scalar(1, N.Int32Flags)  # DimensionMetadata.dense_size

    def index_vector(dm, type_slot, value_slot):  # SparseIndexVector: Int32Vector, Uint16Vector, Uint8Vector
        kind = dm.scalar(type_slot, N.Uint8Flags)
        return dm.table(value_slot).numbers(0, {1: N.Int32Flags, 2: N.Uint16Flags, 3: N.Uint8Flags}[kind])

    levels = []
    for level, d in enumerate(order):
        dm = dims[level]
        size = shape[d] // block[d] if d < n else block[block_map[d - n]]
        sparse = dm.scalar(0, N.Int8Flags) == 1
        levels.append((d, size, index_vector(dm, 2, 3) if sparse else None, index_vector(dm, 4, 5) if sparse else None))
    dense = np.zeros(int(np.prod(shape)), dtype=np.float32)
    coords = [0] * len(levels)

    def walk(level, position):
        if level == len(levels):
            at = [0] * n
            for lv, (d, _, _, _) in enumerate(levels):
                if d < n:
                    at[d] += coords[lv] * block[d]
                else:
                    at[block_map[d - n]] += coords[lv]
            dense[np.ravel_multi_index(at, shape)] = values[position]
            return
        d, size, segments, indices = levels[level]
        if segments is None:
            for j in range(size):
                coords[level] = j
                walk(level + 1, position * size + j)
        else:
            for p in range(segments[position], segments[position + 1]):
                coords[level] = indices[p]
                walk(level + 1, p)

    walk(0, 0)
    return dense


def main(model_path, out_path):
    buf = bytearray(open(model_path, "rb").read())
    if bytes(buf[4:8]) != b"TFL3":
        sys.exit(model_path + ": not a TFLite flatbuffer")
    model = T(buf, flatbuffers.encode.Get(N.UOffsetTFlags.packer_type, buf, 0))
    codes = []
    for c in model.tables(1):  # Model.operator_codes
        code = max(c.scalar(0, N.Int8Flags), c.scalar(3, N.Int32Flags))  # deprecated_builtin_code, builtin_code
        codes.append(c.string(1) if code == 32 else BUILTINS[code])  # CUSTOM: its custom_code
    buffers = model.tables(4)  # Model.buffers
    graph = model.tables(2)[0]  # Model.subgraphs[0]
    op_tables = graph.tables(3)  # SubGraph.operators
    ops = [codes[op.scalar(0, N.Uint32Flags)] for op in op_tables]  # Operator.opcode_index
    op_io = [{"inputs": [int(i) for i in op.numbers(1, N.Int32Flags)], "outputs": [int(o) for o in op.numbers(2, N.Int32Flags)]}
             for op in op_tables]  # Operator.inputs, Operator.outputs
    tensors, totals, others = [], {}, {}
    for t in graph.tables(0):  # SubGraph.tensors
        dtype, size = TENSOR_TYPES[t.scalar(1, N.Int8Flags)]
        shape = [int(d) for d in t.numbers(0, N.Int32Flags)]
        # Tensor.shape_signature: -1 for the dimensions the converter left open (a batch of any size), absent if none
        signature = [int(d) for d in t.numbers(7, N.Int32Flags)] if t.off(7) else None
        entry = {"name": t.string(3), "shape": shape, "signature": signature, "dtype": dtype}
        b = buffers[t.scalar(2, N.Uint32Flags)]  # Tensor.buffer
        start, n = b.bytes_range(0)  # Buffer.data
        if n == 0 and b.scalar(1, N.Uint64Flags) > 1:  # Buffer.offset, Buffer.size: data outside the flatbuffer
            start, n = b.scalar(1, N.Uint64Flags), b.scalar(2, N.Uint64Flags)
        q = t.table(4)  # Tensor.quantization
        scale = q.numbers(2, N.Float32Flags) if q else []
        zero = q.numbers(3, N.Int64Flags) if q else []
        axis = q.scalar(6, N.Int32Flags) if q else 0
        sparse = t.table(6) is not None  # Tensor.sparsity
        if n > 0 and dtype in NUMPY:
            values = np.frombuffer(bytes(buf[start:start + n]), dtype=NUMPY[dtype])
            elements = int(np.prod(shape)) if shape else 1
            parameter = dtype.startswith("float") or len(scale) > 0
            entry["constant"] = True
            if sparse:
                entry["stored_values"] = int(values.size)
            elif values.size != elements:
                sys.exit(f"{model_path}: tensor {t.string(3)} has {values.size} values for shape {shape}")
            if parameter:
                entry["parameter"] = True
                f = values.astype(np.float64)
                if scale:
                    if len(scale) == 1 or sparse:
                        f = (f - (zero[0] if zero else 0)) * scale[0]
                    else:
                        bshape = [1] * len(shape)
                        bshape[axis] = len(scale)
                        z = np.array(zero if zero else [0] * len(scale), dtype=np.float64).reshape(bshape)
                        f = (f.reshape(shape) - z) * np.array(scale, dtype=np.float64).reshape(bshape)
                f = f.astype(np.float32).reshape(-1)
                entry["sum"] = float(np.sum(f, dtype=np.float64))
                if sparse:
                    f = densify(t.table(6), shape, f)
                # a sum weighted by position in the dense row-major layout: a value in the wrong place changes it
                entry["weighted_sum"] = float(np.sum(f * (np.arange(f.size) % 13 + 1), dtype=np.float64))
                totals[dtype] = totals.get(dtype, 0) + elements
            else:
                others[dtype] = others.get(dtype, 0) + elements
        tensors.append(entry)
    out = {"file": model_path.split("/")[-1], "subgraphs": model.vector_len(2), "operators": len(ops), "op_names": ops, "op_tensors": op_io,
           "graph_inputs": [int(i) for i in graph.numbers(1, N.Int32Flags)],
           "tensor_count": len(tensors), "tensors": tensors, "parameters_by_dtype": totals,
           "parameters": sum(totals.values()), "other_constants_by_dtype": others}
    with open(out_path, "w") as f:
        json.dump(out, f, indent=1)
    print(f"{out['file']}: {len(ops)} operators, {len(tensors)} tensors, parameters {totals}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
