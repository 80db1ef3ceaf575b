package io.nnviz.backend.djl.onnx;

import ai.onnx.proto.OnnxMl;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The shapes and element types of an ONNX graph's tensors: from the file where it says
 * ({@code value_info}, inputs, outputs, initializers), and inferred node by node where it does not,
 * by the rule {@link OnnxShapeRules} holds for the node's operator. A dimension is a size, a symbol
 * (a {@code dim_param} such as {@code batch_size}, carried through the graph), or unknown
 * ({@link OnnxDim}). Small integer tensors keep their values, symbols included, so that the shape
 * arithmetic exporters write ({@code Shape}, {@code Gather}, {@code Concat}, then {@code Reshape})
 * gives the reshaped dimensions. An operator no rule knows leaves its outputs unknown; nothing here
 * throws on a strange graph. Subgraphs ({@code If} branches, {@code Loop} and {@code Scan} bodies)
 * get shapes of their own with the enclosing graph's in scope.
 */
final class OnnxShapes {
    private final Map<String, OnnxTensorInfo> infos = new HashMap<>();
    private final OnnxShapes outer;
    private final int opset;
    /** The shapes inside each subgraph met so far, by "node name/attribute". */
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
        s.infer(model.getGraph(), inputs);
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

    /** Seeds the graph's tensors from the file, then infers its nodes in order. */
    private void infer(OnnxMl.GraphProto g, Map<String, long[]> overrides) {
        for (OnnxMl.TensorProto t : g.getInitializerList()) {
            put(t.getName(), OnnxTensorInfo.held(t));
        }
        for (OnnxMl.ValueInfoProto v : g.getInputList()) {
            long[] given = overrides.get(v.getName());
            if (given != null) {
                infos.put(v.getName(), OnnxTensorInfo.of(OnnxDim.sizes(given), OnnxTensorInfo.declared(v).type()));
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
        for (OnnxMl.NodeProto n : g.getNodeList()) {
            OnnxShapeRules.Rule rule = OnnxShapeRules.of(n.getOpType());
            if (rule == null) {
                continue; // unknown: outputs stay unknown
            }
            try {
                rule.infer(new OnnxNode(this, n));
            } catch (RuntimeException e) {
                // a malformed node leaves its outputs unknown; the graph is still drawn
            }
        }
    }

    /**
     * The rule for {@code If}: its outputs are those of the branch its condition takes when the
     * condition is known (it is computed from sizes), else its branches' where they agree. Both
     * branches are inferred, with this graph's tensors in scope.
     */
    static void branches(OnnxNode n) {
        OnnxShapes scope = n.scope();
        long[] cond = n.intValues(0);
        List<List<OnnxTensorInfo>> outs = new ArrayList<>();
        for (OnnxMl.AttributeProto a : n.proto().getAttributeList()) {
            if (a.hasG()) {
                boolean taken = cond == null || cond.length != 1 || (cond[0] != 0) == a.getName().equals("then_branch");
                OnnxShapes inner = new OnnxShapes(scope, scope.opset);
                inner.infer(a.getG(), Map.of());
                List<OnnxTensorInfo> o = new ArrayList<>();
                for (OnnxMl.ValueInfoProto v : a.getG().getOutputList()) {
                    o.add(inner.get(v.getName()));
                }
                if (taken) {
                    outs.add(o);
                }
                scope.subgraphs.put(n.proto().getName() + "/" + a.getName(), inner);
            }
        }
        for (int k = 0; k < n.outputCount(); k++) {
            OnnxTensorInfo merged = null;
            for (List<OnnxTensorInfo> o : outs) {
                OnnxTensorInfo i = k < o.size() ? o.get(k) : null;
                merged = merged == null ? i : i == null || !Objects.equals(i.dims(), merged.dims()) ? OnnxTensorInfo.of(
                        merged.dims() != null && i != null && i.dims() != null && i.rank() == merged.rank() ? OnnxDim.unknownLike(merged.dims()) : null,
                        merged.type()) : merged;
            }
            n.put(k, merged);
        }
    }

    /** The shapes inside a subgraph of node {@code n}, inferred (once) with this graph in scope. */
    OnnxShapes inside(OnnxMl.NodeProto n, OnnxMl.AttributeProto a) {
        OnnxShapes s = subgraphs.get(n.getName() + "/" + a.getName());
        if (s == null) {
            s = new OnnxShapes(this, opset);
            s.infer(a.getG(), Map.of());
            subgraphs.put(n.getName() + "/" + a.getName(), s);
        }
        return s;
    }
}
