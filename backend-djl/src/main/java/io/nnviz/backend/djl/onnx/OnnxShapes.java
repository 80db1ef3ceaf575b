package io.nnviz.backend.djl.onnx;

import ai.onnx.proto.OnnxMl;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The shapes and element types of an ONNX graph's tensors: from the file where it says
 * ({@code value_info}, inputs, outputs, initializers), and inferred node by node where it does not,
 * by the rule {@link OnnxShapeRules} holds for the node's operator. A dimension is a size, a symbol
 * (a {@code dim_param} such as {@code batch_size}, carried through the graph), or unknown
 * ({@link OnnxDim}). Small integer tensors keep their values, symbols included, so that the shape
 * arithmetic exporters write ({@code Shape}, {@code Gather}, {@code Concat}, then {@code Reshape})
 * gives the reshaped dimensions. An operator no rule knows leaves its outputs unknown; nothing here
 * throws on a strange graph. Subgraphs ({@code If} branches, {@code Loop} and {@code Scan} bodies)
 * get shapes of their own with the enclosing graph's in scope ({@link OnnxControlFlowRules}).
 */
final class OnnxShapes {
    private final Map<String, OnnxTensorInfo> infos = new HashMap<>();
    private final OnnxShapes outer;
    private final int opset;
    /** The shapes inside each subgraph met so far, by "node name/attribute" ("#index/attribute" for a node without a name). */
    private final Map<String, OnnxShapes> subgraphs = new HashMap<>();

    private OnnxShapes(OnnxShapes outer, int opset) {
        this.outer = outer;
        this.opset = opset;
    }

    /**
     * The shapes of a model's top-level graph; {@code inputs} (may be empty) replaces the declared
     * shapes of the named inputs, as {@code --input-shape} does.
     */
    static OnnxShapes of(OnnxMl.ModelProto model, Map<String, long[]> inputs) {
        int opset = 13;
        for (OnnxMl.OperatorSetIdProto o : model.getOpsetImportList()) {
            if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) {
                opset = (int) o.getVersion();
            }
        }
        OnnxShapes s = new OnnxShapes(null, opset);
        Map<String, OnnxTensorInfo> seeds = new HashMap<>();
        for (OnnxMl.ValueInfoProto v : model.getGraph().getInputList()) {
            long[] given = inputs.get(v.getName());
            if (given != null) {
                seeds.put(v.getName(), OnnxTensorInfo.of(OnnxDim.sizes(given), OnnxTensorInfo.declared(v).type()));
            }
        }
        s.seed(model.getGraph(), seeds);
        s.infer(model.getGraph());
        return s;
    }

    /** What is known of a tensor of this graph or an enclosing one, or null. */
    OnnxTensorInfo get(String name) {
        OnnxTensorInfo i = infos.get(name);
        return i != null || outer == null ? i : outer.get(name);
    }

    /** The ai.onnx opset the model imports (13 if it names none). */
    int opset() {
        return opset;
    }

    /** Adds what is known of a tensor to what the file declares; nothing for null or an empty name. */
    void put(String name, OnnxTensorInfo info) {
        if (info != null && !name.isEmpty()) {
            infos.merge(name, info, OnnxShapes::better);
        }
    }

    /** The file's own shape stands unless it knows less than the inferred one. */
    private static OnnxTensorInfo better(OnnxTensorInfo declared, OnnxTensorInfo inferred) {
        if (declared.dims() == null || inferred.dims() != null && known(inferred.dims()) > known(declared.dims())) {
            return new OnnxTensorInfo(inferred.dims(), declared.type() != 0 ? declared.type() : inferred.type(),
                    declared.values() != null ? declared.values() : inferred.values(), declared.floats() != null ? declared.floats() : inferred.floats());
        }
        return new OnnxTensorInfo(declared.dims(), declared.type() != 0 ? declared.type() : inferred.type(),
                declared.values() != null ? declared.values() : inferred.values(), declared.floats() != null ? declared.floats() : inferred.floats());
    }

    private static int known(List<OnnxDim> d) {
        int n = 0;
        for (OnnxDim x : d) {
            n += x.known() ? 2 : x.symbol() != null ? 1 : 0;
        }
        return n;
    }

    /**
     * Seeds the graph's tensors from the file: initializers, inputs ({@code given} replaces an
     * input's declaration, keeping its element type where the given one has none), value infos
     * and outputs.
     */
    private void seed(OnnxMl.GraphProto g, Map<String, OnnxTensorInfo> given) {
        for (OnnxMl.TensorProto t : g.getInitializerList()) {
            put(t.getName(), OnnxTensorInfo.held(t));
        }
        for (OnnxMl.ValueInfoProto v : g.getInputList()) {
            OnnxTensorInfo in = given.get(v.getName());
            if (in != null) {
                OnnxTensorInfo d = OnnxTensorInfo.declared(v);
                infos.put(v.getName(), new OnnxTensorInfo(in.dims() != null ? in.dims() : d.dims(), in.type() != 0 ? in.type() : d.type(), in.values(),
                        in.floats()));
            } else if (!infos.containsKey(v.getName())) {
                put(v.getName(), OnnxTensorInfo.declared(v));
            }
        }
        for (OnnxMl.ValueInfoProto v : g.getValueInfoList()) {
            put(v.getName(), OnnxTensorInfo.declared(v));
        }
        for (OnnxMl.ValueInfoProto v : g.getOutputList()) {
            put(v.getName(), OnnxTensorInfo.declared(v)); // declared first: inference fills in, it does not overrule
        }
    }

    /** Infers the graph's nodes in order. */
    private void infer(OnnxMl.GraphProto g) {
        for (int i = 0; i < g.getNodeCount(); i++) {
            OnnxMl.NodeProto n = g.getNode(i);
            OnnxShapeRules.Rule rule = OnnxShapeRules.of(n.getOpType());
            if (rule == null) {
                continue; // unknown: outputs stay unknown
            }
            try {
                rule.infer(new OnnxNode(this, n, i));
            } catch (RuntimeException e) {
                // a malformed node leaves its outputs unknown; the graph is still drawn
            }
        }
    }

    /**
     * The shapes inside subgraph {@code a} of node {@code n} (the {@code index}th of this graph),
     * inferred once with this graph in scope and {@code seeds} (may be empty) for the subgraph's
     * inputs: a loop body's iteration number, condition and carried values.
     */
    OnnxShapes subgraph(OnnxMl.NodeProto n, int index, OnnxMl.AttributeProto a, Map<String, OnnxTensorInfo> seeds) {
        String key = key(n, index, a);
        OnnxShapes s = subgraphs.get(key);
        if (s == null) {
            s = new OnnxShapes(this, opset);
            s.seed(a.getG(), seeds);
            s.infer(a.getG());
            subgraphs.put(key, s);
        }
        return s;
    }

    /** Shapes inferred in {@code g} with this graph in scope and {@code seeds} for its inputs, kept nowhere: a first pass. */
    OnnxShapes trial(OnnxMl.GraphProto g, Map<String, OnnxTensorInfo> seeds) {
        OnnxShapes s = new OnnxShapes(this, opset);
        s.seed(g, seeds);
        s.infer(g);
        return s;
    }

    /** The shapes inside subgraph {@code a} of node {@code n}, the {@code index}th of this graph, as its rule inferred them. */
    OnnxShapes inside(OnnxMl.NodeProto n, int index, OnnxMl.AttributeProto a) {
        return subgraph(n, index, a, Map.of());
    }

    /** A node's subgraph by its name, or its place in the graph when it has none (exporters leave names empty). */
    private static String key(OnnxMl.NodeProto n, int index, OnnxMl.AttributeProto a) {
        return (n.getName().isEmpty() ? "#" + index : n.getName()) + "/" + a.getName();
    }

    /** What is known of a tensor of this graph or of any subgraph in it, at any depth, or null. */
    OnnxTensorInfo anywhere(String name) {
        OnnxTensorInfo i = infos.get(name);
        if (i != null) {
            return i;
        }
        for (OnnxShapes s : subgraphs.values()) {
            i = s.anywhere(name);
            if (i != null) {
                return i;
            }
        }
        return null;
    }
}
