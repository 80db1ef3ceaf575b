"""What the onnx package itself says of an ONNX model, for nnviz's tests to compare against:
the number of nodes of each op type (Constant nodes apart, DequantizeLinear nodes of constants,
whose output is a weight as a Constant's is, and Reshape, Unsqueeze and Squeeze nodes of float constants, a weight
given another shape), the total of floating-point tensor elements
(initializers and Constant values of rank >= 1, in subgraphs too, each name once), the parameters
by element type (those floats, and the 8-bit weights of ONNX's quantized operators: ConvInteger and
MatMulInteger input 1, QLinearConv and QLinearMatMul input 3, DequantizeLinear of a constant), and
onnx.shape_inference's shape of every tensor it can infer (dimension sizes, or the symbol's name): those of the
top-level graph as "shapes", those inside If/Loop/Scan bodies (at any depth) as "subgraphShapes".

  /usr/bin/python3 onnx_oracle.py MODEL.onnx OUT.json
"""
import json
import sys

import onnx
from onnx import shape_inference

FLOATS = {onnx.TensorProto.FLOAT, onnx.TensorProto.FLOAT16, onnx.TensorProto.DOUBLE, onnx.TensorProto.BFLOAT16}
EIGHT_BIT = {onnx.TensorProto.UINT8, onnx.TensorProto.INT8}
# the input that is the quantized weight, by operator
QUANTIZED_WEIGHT = {"ConvInteger": {1}, "MatMulInteger": {1}, "QLinearConv": {3}, "QLinearMatMul": {0, 3}, "DequantizeLinear": {0}}


def dtype_name(t):
    return onnx.helper.tensor_dtype_to_np_dtype(t).name if hasattr(onnx.helper, "tensor_dtype_to_np_dtype") \
        else onnx.mapping.TENSOR_TYPE_TO_NP_TYPE[t].name


def size(dims):
    n = 1
    for d in dims:
        n *= d
    return n


def walk(g, ops, tensors, seen, by_dtype, outer=None, folded=None):
    consts = dict(outer or {})
    for t in g.initializer:
        consts[t.name] = t
    for node in g.node:
        if node.op_type == "Constant":
            for a in node.attribute:
                if a.name == "value":
                    consts[node.output[0]] = a.t
    for t in g.initializer:
        if t.data_type in FLOATS and len(t.dims) > 0 and t.name not in seen:
            seen.add(t.name)
            tensors.append(size(t.dims))
            by_dtype[dtype_name(t.data_type)] = by_dtype.get(dtype_name(t.data_type), 0) + size(t.dims)
    for node in g.node:
        if node.op_type == "Constant":
            for a in node.attribute:
                if a.name == "value" and a.t.data_type in FLOATS and len(a.t.dims) > 0 and node.output[0] not in seen:
                    seen.add(node.output[0])
                    tensors.append(size(a.t.dims))
                    by_dtype[dtype_name(a.t.data_type)] = by_dtype.get(dtype_name(a.t.data_type), 0) + size(a.t.dims)
            continue
        for k in QUANTIZED_WEIGHT.get(node.op_type, ()):
            t = consts.get(node.input[k]) if k < len(node.input) else None
            if t is not None and t.data_type in EIGHT_BIT and len(t.dims) > 0 and node.input[k] not in seen:
                if node.op_type == "DequantizeLinear" and (len(node.input) < 2 or node.input[1] not in consts):
                    continue
                seen.add(node.input[k])
                by_dtype[dtype_name(t.data_type)] = by_dtype.get(dtype_name(t.data_type), 0) + size(t.dims)
        if node.op_type == "DequantizeLinear" and node.input[0] in consts and len(node.input) > 1 and node.input[1] in consts:
            continue  # a weight, not a layer
        if node.op_type in ("Reshape", "Unsqueeze", "Squeeze") and len(node.input) > 0 and all(i == "" or i in consts for i in node.input) \
                and consts[node.input[0]].data_type in FLOATS and len(consts[node.input[0]].dims) > 0:
            if folded is not None:
                folded[0] += 1
            continue  # a float weight given another shape: the weight of the node that reads it
        ops[node.op_type] = ops.get(node.op_type, 0) + 1
        for a in node.attribute:
            if a.type == onnx.AttributeProto.GRAPH:
                walk(a.g, ops, tensors, seen, by_dtype, consts, folded)


def shape_of(v):
    t = v.type.tensor_type
    if not t.HasField("shape"):
        return None
    return [d.dim_value if d.HasField("dim_value") else (d.dim_param or "?") for d in t.shape.dim]


def subgraph_shapes(g, shapes):
    for node in g.node:
        for a in node.attribute:
            if a.type == onnx.AttributeProto.GRAPH:
                for v in list(a.g.value_info) + list(a.g.output):
                    s = shape_of(v)
                    if s is not None:
                        shapes[v.name] = s
                subgraph_shapes(a.g, shapes)


def main(path, out):
    m = onnx.load(path)
    ops, tensors, by_dtype, folded = {}, [], {}, [0]
    walk(m.graph, ops, tensors, set(), by_dtype, None, folded)
    shapes, inner = {}, {}
    try:
        inferred = shape_inference.infer_shapes(m)
        for v in list(inferred.graph.value_info) + list(inferred.graph.output):
            s = shape_of(v)
            if s is not None:
                shapes[v.name] = s
        subgraph_shapes(inferred.graph, inner)
    except Exception as e:  # inference gives up on some graphs: then there is no shape oracle
        print("shape inference failed:", e)
    json.dump({"ops": ops, "floatParameters": sum(tensors), "parametersByDtype": by_dtype, "shapes": shapes,
               "subgraphShapes": inner, "reshapedWeights": folded[0]}, open(out, "w"), indent=1)
    print(path, "nodes", sum(ops.values()), "float parameters", sum(tensors), "by type", by_dtype, "shapes", len(shapes),
          "in subgraphs", len(inner))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
