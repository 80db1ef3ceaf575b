package io.nnviz.backend.tensorflow;

import io.nnviz.api.ModelLoadException;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.FunctionDef;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * Checks a graph for attribute values on which libtensorflow aborts the process instead of
 * reporting an error: its C++ code CHECK-fails (SIGABRT, "Unknown format 32751" in
 * tensor_format.h) on a {@code data_format} it does not know, once shape inference reaches the op.
 * Found by Jazzer: one edited byte of a SavedModel's {@code data_format = "NHWC"}. Run before
 * a graph is imported.
 */
final class TfGraphChecks {
    /** The layouts tensor_format.h parses (FormatFromString and the 3-D ones). */
    private static final Set<String> FORMATS = Set.of("NHWC", "NCHW", "NCHW_VECT_C", "NHWC_VECT_W", "HWNC", "HWCN", "NDHWC", "NCDHW");
    /** The filter layouts it parses (FilterFormatFromString). */
    private static final Set<String> FILTER_FORMATS = Set.of("HWIO", "OIHW", "OHWI", "OIHW_VECT_I");

    /**
     * Words in the op types that act outside the process: files (WriteFile, ReadFile, SaveV2,
     * RestoreV2, MergeV2Checkpoints, ImmutableConst's memory-mapped region, PrintV2's output stream,
     * summary writers, readers and datasets), Python callbacks, the network (Send/Recv, RPC,
     * collectives), debugger taps. A model's forward pass needs none of them; nnviz refuses a graph
     * whose model part holds one rather than run it.
     */
    private static final List<String> EFFECT_WORDS = List.of("File", "Save", "Restore", "Checkpoint", "Summary", "Print", "Reader",
            "Dataset", "Iterator", "PyFunc", "Debug", "Rpc", "Send", "Recv", "Collective", "ImmutableConst", "Filename", "Remap");

    private TfGraphChecks() {
    }

    /**
     * Refuses a graph (the part nnviz will import and run: see {@link TfPruning}) holding an op that
     * acts outside the process, in its nodes or its library's functions.
     */
    static void noSideEffects(Path file, GraphDef g) {
        everyNode(g, n -> effect(file, n));
    }

    private static void effect(Path file, NodeDef n) {
        for (String w : EFFECT_WORDS) {
            if (n.getOp().contains(w)) {
                throw new ModelLoadException(file, "op " + io.nnviz.api.spi.SafeFiles.printable(n.getName()) + " of type "
                        + io.nnviz.api.spi.SafeFiles.printable(n.getOp()) + " acts outside the model (files, network, console or "
                        + "callbacks); nnviz never runs such an op from a file, so it does not open this graph");
            }
        }
    }

    /** Checks a graph's nodes and its function library's. */
    static void graph(Path file, GraphDef g) {
        everyNode(g, n -> node(file, n));
    }

    /** The graph's nodes, then its library functions' nodes. */
    private static void everyNode(GraphDef g, java.util.function.Consumer<NodeDef> check) {
        g.getNodeList().forEach(check);
        for (FunctionDef f : g.getLibrary().getFunctionList()) {
            f.getNodeDefList().forEach(check);
        }
    }

    private static void node(Path file, NodeDef n) {
        check(file, n, "data_format", FORMATS);
        check(file, n, "filter_format", FILTER_FORMATS);
        for (String in : n.getInputList()) {
            outputIndex(file, n, in);
        }
    }

    /** More outputs than any op has: the index of an input past it is damage (libtensorflow aborted on 2^31 in ImportGraphDef). */
    static final int MAX_OUTPUT_INDEX = 1 << 16;

    /**
     * An input's output index ({@code node:3}, or {@code node:out:3} inside a function) must be a
     * small non-negative number: libtensorflow's graph import parses it into an int and indexes
     * the node's outputs with it before checking, and a number past the int's range killed the
     * process (SIGABRT in {@code Node::output_type}).
     */
    private static void outputIndex(Path file, NodeDef n, String input) {
        int colon = input.lastIndexOf(':');
        if (colon < 0 || input.startsWith("^")) {
            return;
        }
        String index = input.substring(colon + 1);
        boolean ok = !index.isEmpty() && index.length() <= 6 && index.chars().allMatch(Character::isDigit)
                && Integer.parseInt(index) < MAX_OUTPUT_INDEX;
        if (!ok) {
            throw new ModelLoadException(file, "op " + io.nnviz.api.spi.SafeFiles.printable(n.getName()) + " (" + n.getOp() + ") reads input "
                    + io.nnviz.api.spi.SafeFiles.printable(input) + ", an output no op has; the graph is damaged");
        }
    }

    private static void check(Path file, NodeDef n, String attr, Set<String> known) {
        AttrValue v = n.getAttrMap().get(attr);
        if (v != null && v.hasS() && !known.contains(v.getS().toStringUtf8())) {
            throw new ModelLoadException(file, "op " + io.nnviz.api.spi.SafeFiles.printable(n.getName()) + " (" + n.getOp() + ") has "
                    + attr + " " + io.nnviz.api.spi.SafeFiles.printable(v.getS().toStringUtf8()) + ", which TensorFlow does not know");
        }
    }
}
