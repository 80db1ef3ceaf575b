package io.nnviz.backend.tensorflow;

import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.FunctionDef;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.OpDef;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Expands TensorFlow 2's function calls into their bodies, at the GraphDef level: a SavedModel (or
 * a frozen graph) keeps the model inside functions of its library, called by a
 * {@code StatefulPartitionedCall} or {@code PartitionedCall} (or by the function's own name), so
 * the top-level graph is one op. Each call becomes its body's nodes, named under the call
 * ({@code StatefulPartitionedCall/sequential/conv2d/BiasAdd}), reading the call's inputs where the
 * body reads its arguments, and an {@code Identity} (an {@code IdentityN} for several results) of
 * the call's own name that forwards the body's results, so whatever read the call reads the same
 * outputs. Calls inside bodies are
 * expanded too, to a depth of {@value #MAX_DEPTH}. Functions used otherwise ({@code If},
 * {@code While} bodies) stay in the library.
 */
final class TfFunctions {
    static final int MAX_DEPTH = 32;
    private static final Set<String> CALLS = Set.of("StatefulPartitionedCall", "PartitionedCall");

    private final Map<String, FunctionDef> library = new HashMap<>();
    private final TfOpArgs args;

    private TfFunctions(GraphDef g) {
        g.getLibrary().getFunctionList().forEach(f -> library.put(f.getSignature().getName(), f));
        args = new TfOpArgs(library);
    }

    /** True if the graph calls a function of its library. */
    static boolean hasCalls(GraphDef g) {
        Set<String> names = new HashSet<>();
        g.getLibrary().getFunctionList().forEach(f -> names.add(f.getSignature().getName()));
        for (NodeDef n : g.getNodeList()) {
            if (called(n, names) != null) {
                return true;
            }
        }
        return false;
    }

    /** The function a node calls, or null. */
    private static String called(NodeDef n, Set<String> library) {
        if (CALLS.contains(n.getOp()) && n.containsAttr("f")) {
            String f = n.getAttrOrThrow("f").getFunc().getName();
            return library.contains(f) ? f : null;
        }
        return library.contains(n.getOp()) ? n.getOp() : null;
    }

    /** The graph with every function call expanded. */
    static GraphDef inline(GraphDef g) {
        TfFunctions t = new TfFunctions(g);
        List<NodeDef> out = new ArrayList<>();
        for (NodeDef n : g.getNodeList()) {
            t.add(n, out, 0);
        }
        return g.toBuilder().clearNode().addAllNode(out).build();
    }

    private void add(NodeDef n, List<NodeDef> out, int depth) {
        String f = called(n, library.keySet());
        if (f == null) {
            out.add(n);
            return;
        }
        if (depth >= MAX_DEPTH) {
            throw new IllegalArgumentException("functions call each other more than " + MAX_DEPTH + " deep (at '" + n.getName() + "')");
        }
        expand(n, library.get(f), out, depth + 1);
    }

    private void expand(NodeDef call, FunctionDef f, List<NodeDef> out, int depth) {
        String prefix = call.getName();
        List<String> callInputs = new ArrayList<>(), callControl = new ArrayList<>();
        for (String in : call.getInputList()) {
            (in.startsWith("^") ? callControl : callInputs).add(in);
        }
        List<OpDef.ArgDef> inArgs = f.getSignature().getInputArgList();
        if (inArgs.size() != callInputs.size()) {
            throw new IllegalArgumentException("'" + prefix + "' passes " + callInputs.size() + " inputs to function "
                    + f.getSignature().getName() + ", which takes " + inArgs.size());
        }
        Map<String, String> argInput = new HashMap<>();
        for (int i = 0; i < inArgs.size(); i++) {
            argInput.put(inArgs.get(i).getName(), callInputs.get(i));
        }
        Map<String, NodeDef> body = new HashMap<>();
        f.getNodeDefList().forEach(b -> body.put(b.getName(), b));
        for (NodeDef b : f.getNodeDefList()) {
            NodeDef.Builder nb = b.toBuilder().setName(prefix + "/" + b.getName()).clearInput();
            for (String in : b.getInputList()) {
                nb.addInput(rename(in, prefix, argInput, body));
            }
            if (b.getInputCount() == 0) {
                callControl.forEach(nb::addInput); // what the call waited for, its sources wait for
            }
            for (Map.Entry<String, AttrValue> a : b.getAttrMap().entrySet()) {
                if (!a.getValue().getPlaceholder().isEmpty()) {
                    throw new IllegalArgumentException("function " + f.getSignature().getName() + " is generic (attribute "
                            + a.getKey() + " of '" + b.getName() + "' is a placeholder); nnviz reads concrete functions");
                }
            }
            add(nb.build(), out, depth);
        }
        // one result: an Identity (TensorFlow's C++ registry has its gradient); several: an IdentityN (see TfGradients)
        List<OpDef.ArgDef> results = f.getSignature().getOutputArgList();
        NodeDef.Builder forward = NodeDef.newBuilder().setName(prefix).setOp(results.size() == 1 ? "Identity" : "IdentityN")
                .setDevice(call.getDevice());
        AttrValue.ListValue.Builder types = AttrValue.ListValue.newBuilder();
        for (OpDef.ArgDef o : results) {
            forward.addInput(rename(f.getRetOrThrow(o.getName()), prefix, argInput, body));
            types.addType(o.getType() == DataType.DT_INVALID ? DataType.DT_FLOAT : o.getType());
        }
        forward.putAttr("T", results.size() == 1 ? AttrValue.newBuilder().setType(types.getType(0)).build()
                : AttrValue.newBuilder().setList(types).build());
        out.add(forward.build());
    }

    /** A body's input reference as a graph reference: an argument to the call's input, {@code node:arg:i} to {@code prefix/node:flat}. */
    private String rename(String in, String prefix, Map<String, String> argInput, Map<String, NodeDef> body) {
        if (in.startsWith("^")) {
            String target = in.substring(1);
            String arg = argInput.get(target);
            return arg != null ? (arg.startsWith("^") ? arg : "^" + nodeOf(arg)) : "^" + prefix + "/" + target;
        }
        String[] parts = in.split(":");
        if (parts.length == 1 || argInput.containsKey(parts[0])) {
            String arg = argInput.get(parts[0]);
            if (arg == null) {
                throw new IllegalArgumentException("a body node of '" + prefix + "' reads '" + in + "', which is no argument");
            }
            return arg;
        }
        NodeDef src = body.get(parts[0]);
        if (src == null || parts.length != 3) {
            throw new IllegalArgumentException("a body node of '" + prefix + "' reads '" + in + "', which no node of the body outputs");
        }
        int flat = args.flatIndex(src, parts[1], Integer.parseInt(parts[2]));
        return prefix + "/" + parts[0] + (flat == 0 ? "" : ":" + flat);
    }

    private static String nodeOf(String tensor) {
        int colon = tensor.indexOf(':');
        return colon < 0 ? tensor : tensor.substring(0, colon);
    }
}
