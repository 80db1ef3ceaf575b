#!/usr/bin/python3
"""Writes a real ONNX graph of exactly N nodes (default 2,000) for the CLI benchmark (issue 30): IS-Net in uint8
(the corpus's isnet-quint8.onnx, 1,084 nodes) followed by a second copy of itself, every name of the copy prefixed
with "b/", fed the first copy's mask repeated to three channels (one Concat node) and cut after as many of its
nodes (in the file's topological order) as make N; initializers the cut copy no longer uses are dropped.

    /usr/bin/python3 bench/cli/make_chain_onnx.py CORPUS/onnx/isnet-quint8.onnx OUT.onnx [N]

Needs Debian's python3-onnx. The result is not a corpus model (it is made from one); it lives where the caller puts it.
"""
import sys

import onnx
from onnx import helper


def main():
    src, dst = sys.argv[1], sys.argv[2]
    total = int(sys.argv[3]) if len(sys.argv) > 3 else 2000
    a = onnx.load(src)
    b = onnx.load(src)
    ga, gb = a.graph, b.graph
    keep = total - len(ga.node) - 1
    if keep < 1 or keep > len(gb.node):
        sys.exit(f"N must be between {len(ga.node) + 2} and {2 * len(ga.node) + 1}")
    first_in = ga.input[0].name
    mask = ga.output[0].name

    def p(name):
        return "b/" + name if name else name

    nodes = list(gb.node)[:keep]
    for n in nodes:
        n.name = p(n.name or n.op_type + "_" + str(id(n)))
        n.input[:] = [p(x) for x in n.input]
        n.output[:] = [p(x) for x in n.output]
    used = {x for n in nodes for x in n.input}
    inits = []
    for t in gb.initializer:
        if p(t.name) in used:
            t.name = p(t.name)
            inits.append(t)
    infos = []
    produced = {x for n in nodes for x in n.output}
    for v in gb.value_info:
        if p(v.name) in produced:
            v.name = p(v.name)
            infos.append(v)
    glue = helper.make_node("Concat", [mask, mask, mask], [p(first_in)], name="glue/mask_to_rgb", axis=1)
    # the copy's output: the last of its kept tensors whose type the file records
    typed = {v.name: v for v in infos}
    last = next(typed[x] for n in reversed(nodes) for x in n.output if x in typed)
    outputs = list(ga.output) + [last]
    graph = helper.make_graph(list(ga.node) + [glue] + nodes, ga.name + "-chain-" + str(total), list(ga.input), outputs,
                              initializer=list(ga.initializer) + inits, value_info=list(ga.value_info) + infos)
    model = helper.make_model(graph, opset_imports=a.opset_import, producer_name="nnviz bench/cli/make_chain_onnx.py")
    model.ir_version = a.ir_version
    onnx.checker.check_model(model)
    onnx.save(model, dst)
    print(f"{dst}: {len(graph.node)} nodes, {len(graph.initializer)} initializers")


if __name__ == "__main__":
    main()
