"""What the onnx package itself says of an ONNX model, for nnviz's tests to compare against:
the number of nodes of each op type (Constant nodes apart), the total of floating-point tensor
elements (initializers and Constant values of rank >= 1, in subgraphs too, each name once), and
onnx.shape_inference's shape of every tensor it can infer (dimension sizes, or the symbol's name).

  /usr/bin/python3 onnx_oracle.py MODEL.onnx OUT.json
"""
import json
import sys

import onnx
from onnx import shape_inference

FLOATS = {onnx.TensorProto.FLOAT, onnx.TensorProto.FLOAT16, onnx.TensorProto.DOUBLE, onnx.TensorProto.BFLOAT16}


def walk(g, ops, tensors, seen):
    for t in g.initializer:
        if t.data_type in FLOATS and len(t.dims) > 0 and t.name not in seen:
            seen.add(t.name)
            n = 1
            for d in t.dims:
                n *= d
            tensors.append(n)
    for node in g.node:
        if node.op_type == "Constant":
            for a in node.attribute:
                if a.name == "value" and a.t.data_type in FLOATS and len(a.t.dims) > 0 and node.output[0] not in seen:
                    seen.add(node.output[0])
                    n = 1
                    for d in a.t.dims:
                        n *= d
                    tensors.append(n)
            continue
        ops[node.op_type] = ops.get(node.op_type, 0) + 1
        for a in node.attribute:
            if a.type == onnx.AttributeProto.GRAPH:
                walk(a.g, ops, tensors, seen)


def main(path, out):
    m = onnx.load(path)
    ops, tensors = {}, []
    walk(m.graph, ops, tensors, set())
    shapes = {}
    try:
        inferred = shape_inference.infer_shapes(m)
        for v in list(inferred.graph.value_info) + list(inferred.graph.output):
            t = v.type.tensor_type
            if t.HasField("shape"):
                shapes[v.name] = [d.dim_value if d.HasField("dim_value") else (d.dim_param or "?") for d in t.shape.dim]
    except Exception as e:  # inference gives up on some graphs: then there is no shape oracle
        print("shape inference failed:", e)
    json.dump({"ops": ops, "floatParameters": sum(tensors), "shapes": shapes}, open(out, "w"), indent=1)
    print(path, "nodes", sum(ops.values()), "float parameters", sum(tensors), "shapes", len(shapes))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
