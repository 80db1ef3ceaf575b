package io.nnviz.backend.tensorflow;

import org.tensorflow.TensorFlow;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.FunctionDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.OpDef;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * How a node's outputs are numbered. Inside a {@link FunctionDef} a node's output is named
 * {@code node:arg:index} (an output argument of its op and an index into it), in a GraphDef
 * {@code node:flat}: converting needs each op's output arguments and how many tensors each holds,
 * which TensorFlow's own op registry says ({@code number_attr}, {@code type_list_attr}). Calls of
 * library functions are ops too: their outputs are the function's output arguments.
 */
final class TfOpArgs {
    private static volatile Map<String, OpDef> registry;

    private final Map<String, FunctionDef> library;

    TfOpArgs(Map<String, FunctionDef> library) {
        this.library = library;
    }

    private static Map<String, OpDef> registry() {
        Map<String, OpDef> r = registry;
        if (r == null) {
            r = new HashMap<>();
            for (OpDef d : TensorFlow.registeredOpList().getOpList()) {
                r.put(d.getName(), d);
            }
            registry = r;
        }
        return r;
    }

    /** The op's output arguments and the number of tensors in each, in order. */
    List<Map.Entry<String, Integer>> outputs(NodeDef n) {
        List<Map.Entry<String, Integer>> out = new ArrayList<>();
        FunctionDef f = library.get(n.getOp());
        if (f != null) {
            f.getSignature().getOutputArgList().forEach(a -> out.add(Map.entry(a.getName(), 1)));
            return out;
        }
        OpDef d = registry().get(n.getOp());
        if (d == null) {
            throw new IllegalArgumentException("TensorFlow has no op named '" + n.getOp() + "' (node '" + n.getName() + "')");
        }
        for (OpDef.ArgDef a : d.getOutputArgList()) {
            int count = 1;
            if (!a.getNumberAttr().isEmpty()) {
                AttrValue v = n.getAttrOrDefault(a.getNumberAttr(), null);
                count = v == null ? defaultInt(d, a.getNumberAttr()) : (int) v.getI();
            } else if (!a.getTypeListAttr().isEmpty()) {
                AttrValue v = n.getAttrOrDefault(a.getTypeListAttr(), null);
                count = v == null ? 0 : v.getList().getTypeCount();
            }
            out.add(Map.entry(a.getName(), count));
        }
        return out;
    }

    private static int defaultInt(OpDef d, String attr) {
        for (OpDef.AttrDef a : d.getAttrList()) {
            if (a.getName().equals(attr) && a.hasDefaultValue()) {
                return (int) a.getDefaultValue().getI();
            }
        }
        return 1;
    }

    /** The flat output index of {@code arg:index} of node {@code n}. */
    int flatIndex(NodeDef n, String arg, int index) {
        int flat = 0;
        for (Map.Entry<String, Integer> a : outputs(n)) {
            if (a.getKey().equals(arg)) {
                if (index >= a.getValue()) {
                    throw new IllegalArgumentException("node '" + n.getName() + "' (" + n.getOp() + ") has " + a.getValue()
                            + " outputs in argument '" + arg + "', not " + (index + 1));
                }
                return flat + index;
            }
            flat += a.getValue();
        }
        throw new IllegalArgumentException("op " + n.getOp() + " of node '" + n.getName() + "' has no output argument '" + arg + "'");
    }

    /** The {@code arg:index} name of flat output {@code flat} of node {@code n}. */
    String argName(NodeDef n, int flat) {
        int at = flat;
        for (Map.Entry<String, Integer> a : outputs(n)) {
            if (at < a.getValue()) {
                return a.getKey() + ":" + at;
            }
            at -= a.getValue();
        }
        throw new IllegalArgumentException("node '" + n.getName() + "' (" + n.getOp() + ") has no output " + flat);
    }
}
