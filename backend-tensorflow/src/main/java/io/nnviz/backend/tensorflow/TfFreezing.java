package io.nnviz.backend.tensorflow;

import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.TensorShapeProto;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Freezes a graph's resource variables into constants, as TensorFlow's
 * {@code convert_variables_to_constants} does: each {@code ReadVariableOp} of a
 * {@code VarHandleOp} becomes a {@code Const} of the same name holding the variable's value, and a
 * {@code ResourceGather} a {@code GatherV2} of such a constant, so the graph runs, and can be
 * differentiated, in a session of its own, and its weights are the layers' constants.
 */
final class TfFreezing {
    private TfFreezing() {
    }

    /** The VarHandleOps the graph reads (directly or through Identity), by name. */
    static Set<String> variablesRead(GraphDef g) {
        Map<String, NodeDef> byName = byName(g);
        Set<String> out = new LinkedHashSet<>();
        for (NodeDef n : g.getNodeList()) {
            if ((n.getOp().equals("ReadVariableOp") || n.getOp().equals("ResourceGather")) && n.getInputCount() > 0) {
                NodeDef v = handle(n.getInput(0), byName);
                if (v != null) {
                    out.add(v.getName());
                }
            }
        }
        return out;
    }

    private static Map<String, NodeDef> byName(GraphDef g) {
        Map<String, NodeDef> m = new HashMap<>();
        g.getNodeList().forEach(n -> m.put(n.getName(), n));
        return m;
    }

    /** The VarHandleOp behind a resource input, through Identity nodes; null if none. */
    private static NodeDef handle(String input, Map<String, NodeDef> byName) {
        String name = input.startsWith("^") ? input.substring(1) : input.split(":")[0];
        for (int depth = 0; depth < 16; depth++) {
            NodeDef n = byName.get(name);
            if (n == null) {
                return null;
            }
            if (n.getOp().equals("VarHandleOp")) {
                return n;
            }
            if (!n.getOp().equals("Identity") || n.getInputCount() == 0) {
                return null;
            }
            name = n.getInput(0).split(":")[0];
        }
        return null;
    }

    /** The graph with its variable reads replaced by constants of {@code values} (variable name to its value). */
    static GraphDef freeze(GraphDef g, Function<String, TensorProto> values) {
        Map<String, NodeDef> byName = byName(g);
        List<NodeDef> out = new ArrayList<>();
        Set<String> frozenConsts = new LinkedHashSet<>();
        for (NodeDef n : g.getNodeList()) {
            NodeDef v = (n.getOp().equals("ReadVariableOp") || n.getOp().equals("ResourceGather")) && n.getInputCount() > 0
                    ? handle(n.getInput(0), byName) : null;
            if (v == null) {
                out.add(n);
                continue;
            }
            TensorProto value = values.apply(v.getName());
            List<String> control = n.getInputList().stream().filter(i -> i.startsWith("^")).toList();
            if (n.getOp().equals("ReadVariableOp")) {
                out.add(constant(n.getName(), value, control, n.getDevice()));
                continue;
            }
            String c = v.getName() + "/nnviz_frozen";
            if (frozenConsts.add(c)) {
                out.add(constant(c, value, List.of(), n.getDevice()));
            }
            String axis = n.getName() + "/nnviz_axis";
            out.add(constant(axis, TensorProto.newBuilder().setDtype(DataType.DT_INT32).setTensorShape(TensorShapeProto.getDefaultInstance())
                    .addIntVal(0).build(), List.of(), n.getDevice()));
            NodeDef.Builder gather = NodeDef.newBuilder().setName(n.getName()).setOp("GatherV2").setDevice(n.getDevice())
                    .addInput(c).addInput(n.getInput(1)).addInput(axis)
                    .putAttr("Tparams", AttrValue.newBuilder().setType(value.getDtype()).build())
                    .putAttr("Tindices", n.getAttrOrThrow("Tindices"))
                    .putAttr("Taxis", AttrValue.newBuilder().setType(DataType.DT_INT32).build())
                    .putAttr("batch_dims", AttrValue.newBuilder().setI(n.containsAttr("batch_dims") ? n.getAttrOrThrow("batch_dims").getI() : 0).build());
            control.forEach(gather::addInput);
            out.add(gather.build());
        }
        return g.toBuilder().clearNode().addAllNode(out).build();
    }

    /**
     * The graph with its reference variables ({@code VariableV2}, TensorFlow 1's kind, read by
     * using the node itself) replaced by constants of the same name holding {@code values}.
     */
    static GraphDef freezeReferences(GraphDef g, Map<String, TensorProto> values) {
        List<NodeDef> out = new ArrayList<>();
        for (NodeDef n : g.getNodeList()) {
            boolean ref = n.getOp().equals("VariableV2") || n.getOp().equals("Variable");
            out.add(ref && values.containsKey(n.getName()) ? constant(n.getName(), values.get(n.getName()), List.of(), n.getDevice()) : n);
        }
        return g.toBuilder().clearNode().addAllNode(out).build();
    }

    static NodeDef constant(String name, TensorProto value, List<String> control, String device) {
        NodeDef.Builder b = NodeDef.newBuilder().setName(name).setOp("Const").setDevice(device)
                .putAttr("dtype", AttrValue.newBuilder().setType(value.getDtype()).build())
                .putAttr("value", AttrValue.newBuilder().setTensor(value).build());
        control.forEach(b::addInput);
        return b.build();
    }
}
