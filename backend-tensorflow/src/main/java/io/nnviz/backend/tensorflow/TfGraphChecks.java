package io.nnviz.backend.tensorflow;

import io.nnviz.api.ModelLoadException;
import io.nnviz.api.ModelTooLargeException;
import io.nnviz.api.spi.Printable;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.FunctionDef;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.TensorShapeProto;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Checks a graph from a file before TensorFlow sees it, in its nodes and its library's functions:
 * {@link #graph} refuses what libtensorflow aborts the process on instead of reporting an error,
 * and constants declaring more memory than the budget; {@link #noSideEffects} refuses ops that
 * act outside the process. Run before a graph is imported.
 *
 * <p>libtensorflow's C++ code CHECK-fails (SIGABRT, "Unknown format 32751" in tensor_format.h) on
 * a {@code data_format} it does not know, once shape inference reaches the op (found by Jazzer:
 * one edited byte of a SavedModel's {@code data_format = "NHWC"}), and on an input's output index
 * past the int's range (found by the mutation campaign).
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
                throw new ModelLoadException(file, "op " + Printable.name(n.getName()) + " of type "
                        + Printable.name(n.getOp()) + " acts outside the model (files, network, console or "
                        + "callbacks); nnviz never runs such an op from a file, so it does not open this graph");
            }
        }
    }

    /** Bytes an element of {@code t} takes in memory (strings counted at a pointer's 8, their content aside). */
    private static int bytesPerElement(DataType t) {
        return switch (t) {
            case DT_BOOL, DT_INT8, DT_UINT8, DT_QINT8, DT_QUINT8 -> 1;
            case DT_HALF, DT_BFLOAT16, DT_INT16, DT_UINT16, DT_QINT16, DT_QUINT16 -> 2;
            case DT_FLOAT, DT_INT32, DT_UINT32, DT_QINT32 -> 4;
            case DT_COMPLEX128 -> 16;
            default -> 8; // double, int64, complex64, strings, resources: 8 or an upper bound
        };
    }

    /** Checks a graph's nodes and its function library's; constants may declare at most {@code budget} bytes. */
    static void graph(Path file, GraphDef g, long budget) {
        everyNode(g, n -> {
            node(file, n);
            constant(file, n, budget);
        });
    }

    /**
     * A tensor in a node's attributes (a {@code Const}'s value) declares its shape; one value may
     * fill all of it ({@code float_val: 0} with any shape is a zeros tensor), so a few bytes of file
     * can declare gigabytes that TensorFlow allocates when it imports the graph. Declared sizes are
     * held to the memory budget before any native code sees them.
     */
    private static void constant(Path file, NodeDef n, long budget) {
        for (AttrValue v : n.getAttrMap().values()) {
            if (!v.hasTensor()) {
                continue;
            }
            long elements = 1;
            for (TensorShapeProto.Dim d : v.getTensor().getTensorShape().getDimList()) {
                if (d.getSize() < 0) {
                    throw new ModelLoadException(file, "constant " + Printable.name(n.getName())
                            + " declares a dimension of " + d.getSize());
                }
                elements = d.getSize() == 0 ? 0 : elements > Long.MAX_VALUE / d.getSize() ? Long.MAX_VALUE : elements * d.getSize();
            }
            int size = bytesPerElement(v.getTensor().getDtype());
            long bytes = elements > Long.MAX_VALUE / size ? Long.MAX_VALUE : elements * size;
            if (bytes > budget) {
                throw new ModelTooLargeException(file, "constant " + Printable.name(n.getName())
                        + " (" + elements + " elements from " + v.getTensor().getSerializedSize() + " bytes of the file)", bytes, budget);
            }
        }
    }

    /** The graph's nodes, then its library functions' nodes. */
    private static void everyNode(GraphDef g, Consumer<NodeDef> check) {
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
            throw new ModelLoadException(file, "op " + Printable.name(n.getName()) + " (" + n.getOp() + ") reads input "
                    + Printable.name(input) + ", an output no op has; the graph is damaged");
        }
    }

    private static void check(Path file, NodeDef n, String attr, Set<String> known) {
        AttrValue v = n.getAttrMap().get(attr);
        if (v != null && v.hasS() && !known.contains(v.getS().toStringUtf8())) {
            throw new ModelLoadException(file, "op " + Printable.name(n.getName()) + " (" + n.getOp() + ") has "
                    + attr + " " + Printable.name(v.getS().toStringUtf8()) + ", which TensorFlow does not know");
        }
    }
}
