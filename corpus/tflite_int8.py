#!/usr/bin/python3
"""Writes a weight-quantized copy of a float16 TFLite model: int8 and uint8 constants with scales and zero points.

usage: tflite_int8.py IN.tflite OUT.tflite

The registries nnviz's corpus comes from serve no int8 TFLite model, so this makes one from a real
float16 one (MediaPipe's), as TFLite's weight-only quantization would: every float16 constant that a
DEQUANTIZE reads becomes int8 per channel (symmetric, zero point 0) where it is a convolution's kernel
(CONV_2D along dimension 0, DEPTHWISE_CONV_2D along dimension 3) and uint8 per tensor (asymmetric,
with a zero point) otherwise; DEQUANTIZE reads either. The new Tensor and Buffer tables are written with
Debian's python3-flatbuffers Builder after the original bytes, the model's buffers and the subgraph's
tensors vectors pointed at them (flatbuffer offsets point forward, so appended tables are reachable),
and the float16 bytes they replace zeroed. Everything else (operators, custom ops, names) is untouched.
"""
import struct
import sys

import flatbuffers
import numpy as np
from flatbuffers import number_types as N

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from tflite_oracle import T  # noqa: E402  (the oracle's reader: the same slots, read by flatbuffers' Table)

INT8, UINT8, FLOAT16 = 9, 3, 1


def main(src, dst):
    buf = bytearray(open(src, "rb").read())
    model = T(buf, flatbuffers.encode.Get(N.UOffsetTFlags.packer_type, buf, 0))
    codes = [max(c.scalar(0, N.Int8Flags), c.scalar(3, N.Int32Flags)) for c in model.tables(1)]
    graph = model.tables(2)[0]
    tensors = graph.tables(0)
    ops = graph.tables(3)
    consumers = {}
    for op in ops:
        for pos, t in enumerate(op.numbers(1, N.Int32Flags)):
            consumers.setdefault(int(t), []).append((codes[op.scalar(0, N.Uint32Flags)], pos, op))
    # the float16 constants a DEQUANTIZE reads, and the axis to quantize along (None: per tensor)
    plan = {}
    for t, uses in consumers.items():
        for code, pos, op in uses:
            if code == 6 and tensors[t].scalar(1, N.Int8Flags) == FLOAT16:
                out = int(op.numbers(2, N.Int32Flags)[0])
                axis = None
                for c2, p2, _ in consumers.get(out, []):
                    if p2 == 1 and c2 == 3:
                        axis = 0
                    elif p2 == 1 and c2 == 4:
                        axis = 3
                plan[t] = axis
    buffers_vec = model.t.Vector(model.off(4))
    tensors_vec = graph.t.Vector(graph.off(0))
    b = flatbuffers.Builder(1 << 20)
    made = []  # (tensor index, buffer index, tensor table offset, buffer table offset)
    for t, axis in sorted(plan.items()):
        tt = tensors[t]
        shape = [int(d) for d in tt.numbers(0, N.Int32Flags)]
        bi = tt.scalar(2, N.Uint32Flags)
        start, n = buffers_tables(model)[bi].bytes_range(0)
        v = np.frombuffer(bytes(buf[start:start + n]), dtype="<f2").astype(np.float32).reshape(shape)
        buf[start:start + n] = bytes(n)  # the float16 bytes are gone: a reader that finds them read the wrong buffer
        if axis is not None and len(shape) == 4:
            moved = np.moveaxis(v, axis, 0).reshape(shape[axis], -1)
            scale = np.maximum(np.abs(moved).max(axis=1), 1e-8) / 127.0
            bshape = [1] * 4
            bshape[axis] = shape[axis]
            q = np.clip(np.round(v / scale.reshape(bshape)), -127, 127).astype(np.int8)
            zero = np.zeros(shape[axis], dtype=np.int64)
            ttype = INT8
        else:
            lo, hi = min(float(v.min()), 0.0), max(float(v.max()), 0.0)
            s = (hi - lo) / 255.0 if hi > lo else 1.0
            z = int(np.clip(round(-lo / s), 0, 255))
            q = np.clip(np.round(v / s) + z, 0, 255).astype(np.uint8)
            scale, zero, axis, ttype = np.array([s], dtype=np.float32), np.array([z], dtype=np.int64), 0, UINT8
        data = q.tobytes()
        b.StartVector(1, len(data), 16)
        for byte in reversed(data):
            b.PrependByte(byte)
        data_off = b.EndVector()
        b.StartObject(3)
        b.PrependUOffsetTRelativeSlot(0, data_off, 0)
        buffer_off = b.EndObject()
        scale_off = b.CreateNumpyVector(scale.astype("<f4"))
        zero_off = b.CreateNumpyVector(zero.astype("<i8"))
        b.StartObject(7)
        b.PrependUOffsetTRelativeSlot(2, scale_off, 0)
        b.PrependUOffsetTRelativeSlot(3, zero_off, 0)
        b.PrependInt32Slot(6, int(axis), 0)
        quant_off = b.EndObject()
        name_off = b.CreateString(tt.string(3) or "")
        shape_off = b.CreateNumpyVector(np.array(shape, dtype="<i4"))
        b.StartObject(8)
        b.PrependUOffsetTRelativeSlot(0, shape_off, 0)
        b.PrependInt8Slot(1, ttype, 0)
        b.PrependUint32Slot(2, bi, 0)
        b.PrependUOffsetTRelativeSlot(3, name_off, 0)
        b.PrependUOffsetTRelativeSlot(4, quant_off, 0)
        tensor_off = b.EndObject()
        made.append((t, bi, tensor_off, buffer_off))
    b.Finish(made[-1][2])  # a root offset at its head, unused: Output() wants a finished buffer
    blob = bytes(b.Output())
    at = len(buf) + (-(len(buf) + len(blob)) % 16)  # offsets inside the blob are aligned from its end: keep its end aligned
    out = buf + bytes(at - len(buf)) + blob

    def pos(off):  # where a Builder offset (counted from the blob's end) lies in the file
        return at + len(blob) - off

    for t, bi, tensor_off, buffer_off in made:
        for vec, index, target in ((tensors_vec, t, pos(tensor_off)), (buffers_vec, bi, pos(buffer_off))):
            slot_at = vec + 4 * index
            struct.pack_into("<I", out, slot_at, target - slot_at)
    open(dst, "wb").write(out)
    kinds = sum(1 for _, a in plan.items() if a is not None)
    print(f"{dst}: {kinds} kernels int8 per channel, {len(plan) - kinds} constants uint8 per tensor")


def buffers_tables(model):
    return model.tables(4)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
