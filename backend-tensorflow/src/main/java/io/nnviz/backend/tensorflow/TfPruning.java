package io.nnviz.backend.tensorflow;

import io.nnviz.api.spi.Printable;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.FunctionDef;
import org.tensorflow.proto.FunctionDefLibrary;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The part of a graph that computing some nodes needs: those nodes, everything they read (data and
 * control inputs), and the library functions those call ({@code If}/{@code While} bodies, calls left
 * in place). A file's graph also holds what nnviz must never run: its save and restore ops, init ops,
 * summaries; pruned away, they are neither imported nor reachable from anything nnviz runs.
 */
final class TfPruning {
    /** Deeper call chains than any exporter writes; past it, the check itself would overflow Java's stack. */
    static final int MAX_CALL_DEPTH = 256;

    private TfPruning() {
    }

    /** The graph cut down to {@code roots} (node names) and their ancestors, its library to the functions they reach. */
    static GraphDef prune(GraphDef g, Set<String> roots) {
        Map<String, NodeDef> byName = new HashMap<>();
        g.getNodeList().forEach(n -> byName.put(n.getName(), n));
        Set<String> keep = new HashSet<>();
        Deque<String> todo = new ArrayDeque<>(roots);
        while (!todo.isEmpty()) {
            String name = todo.pop();
            NodeDef n = byName.get(name);
            if (n == null || !keep.add(name)) {
                continue;
            }
            for (String in : n.getInputList()) {
                todo.push(nodeOf(in));
            }
        }
        List<NodeDef> nodes = new ArrayList<>();
        for (NodeDef n : g.getNodeList()) {
            if (keep.contains(n.getName())) {
                nodes.add(n);
            }
        }
        Set<String> functions = functionsReached(nodes, g.getLibrary());
        FunctionDefLibrary.Builder lib = g.getLibrary().toBuilder().clearFunction().clearGradient();
        for (FunctionDef f : g.getLibrary().getFunctionList()) {
            if (functions.contains(f.getSignature().getName())) {
                lib.addFunction(f);
            }
        }
        g.getLibrary().getGradientList().stream().filter(d -> functions.contains(d.getFunctionName())).forEach(lib::addGradient);
        return g.toBuilder().clearNode().addAllNode(nodes).setLibrary(lib).build();
    }

    /**
     * The library functions {@code nodes} reach, through ops named as functions and function-valued
     * attributes, transitively.
     *
     * @throws IllegalArgumentException if a function reaches itself: TensorFlow recurses on such a
     *         library natively until its stack overflows
     */
    static Set<String> functionsReached(List<NodeDef> nodes, FunctionDefLibrary library) {
        Map<String, FunctionDef> byName = new HashMap<>();
        library.getFunctionList().forEach(f -> byName.put(f.getSignature().getName(), f));
        Set<String> reached = new LinkedHashSet<>();
        for (NodeDef n : nodes) {
            for (String f : called(n, byName)) {
                visit(f, byName, reached, new LinkedHashSet<>());
            }
        }
        return reached;
    }

    /** Depth-first, in {@code path} while being explored, in {@code reached} once done: a name met again on its path is a cycle. */
    private static void visit(String f, Map<String, FunctionDef> byName, Set<String> reached, Set<String> path) {
        if (path.contains(f)) {
            throw new IllegalArgumentException("function " + Printable.name(f) + " calls itself");
        }
        if (reached.contains(f)) {
            return;
        }
        if (path.size() >= MAX_CALL_DEPTH) {
            throw new IllegalArgumentException("functions call each other more than " + MAX_CALL_DEPTH + " deep");
        }
        path.add(f);
        for (NodeDef b : byName.get(f).getNodeDefList()) {
            for (String g : called(b, byName)) {
                visit(g, byName, reached, path);
            }
        }
        path.remove(f);
        reached.add(f);
    }

    /** The library functions one node names: as its op, or in any attribute (a {@code func} or a list of them). */
    static Set<String> called(NodeDef n, Map<String, FunctionDef> library) {
        Set<String> out = new LinkedHashSet<>();
        if (library.containsKey(n.getOp())) {
            out.add(n.getOp());
        }
        for (AttrValue a : n.getAttrMap().values()) {
            if (a.hasFunc() && library.containsKey(a.getFunc().getName())) {
                out.add(a.getFunc().getName());
            }
            if (a.hasList()) {
                a.getList().getFuncList().stream().map(x -> x.getName()).filter(library::containsKey).forEach(out::add);
            }
        }
        return out;
    }

    static String nodeOf(String input) {
        String s = input.startsWith("^") ? input.substring(1) : input;
        int colon = s.indexOf(':');
        return colon < 0 ? s : s.substring(0, colon);
    }
}
