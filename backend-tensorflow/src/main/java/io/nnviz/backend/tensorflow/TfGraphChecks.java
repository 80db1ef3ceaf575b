package io.nnviz.backend.tensorflow;

import io.nnviz.api.ModelLoadException;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.FunctionDef;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.SavedModel;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * Checks a graph for attribute values on which libtensorflow aborts the process instead of
 * reporting an error: its C++ code CHECK-fails (SIGABRT, "Unknown format 32751" in
 * tensor_format.h) on a {@code data_format} it does not know, once shape inference reaches the op.
 * Found by Jazzer: one edited byte of a SavedModel's {@code data_format = "NHWC"}. Run before
 * TensorFlow loads a SavedModel and before a graph is imported.
 */
final class TfGraphChecks {
    /** The layouts tensor_format.h parses (FormatFromString and the 3-D ones). */
    private static final Set<String> FORMATS = Set.of("NHWC", "NCHW", "NCHW_VECT_C", "NHWC_VECT_W", "HWNC", "HWCN", "NDHWC", "NCDHW");
    /** The filter layouts it parses (FilterFormatFromString). */
    private static final Set<String> FILTER_FORMATS = Set.of("HWIO", "OIHW", "OHWI", "OIHW_VECT_I");

    private TfGraphChecks() {
    }

    /** Checks every graph of the SavedModel at {@code dir} (its saved_model.pb, parsed with the file's size as the limit). */
    static void savedModel(Path dir) {
        Path pb = dir.resolve("saved_model.pb");
        SavedModel sm;
        try (InputStream in = Files.newInputStream(pb)) {
            com.google.protobuf.CodedInputStream coded = com.google.protobuf.CodedInputStream.newInstance(in);
            coded.setSizeLimit((int) Math.min(Files.size(pb), Integer.MAX_VALUE));
            sm = SavedModel.parseFrom(coded);
        } catch (IOException | IllegalStateException e) {
            throw new ModelLoadException(dir, "saved_model.pb is not a SavedModel (" + e.getMessage() + ")", e);
        }
        for (MetaGraphDef mg : sm.getMetaGraphsList()) {
            graph(dir, mg.getGraphDef());
        }
    }

    /** Checks a graph's nodes and its function library's. */
    static void graph(Path file, GraphDef g) {
        for (NodeDef n : g.getNodeList()) {
            node(file, n);
        }
        for (FunctionDef f : g.getLibrary().getFunctionList()) {
            for (NodeDef n : f.getNodeDefList()) {
                node(file, n);
            }
        }
    }

    private static void node(Path file, NodeDef n) {
        check(file, n, "data_format", FORMATS);
        check(file, n, "filter_format", FILTER_FORMATS);
    }

    private static void check(Path file, NodeDef n, String attr, Set<String> known) {
        AttrValue v = n.getAttrMap().get(attr);
        if (v != null && v.hasS() && !known.contains(v.getS().toStringUtf8())) {
            throw new ModelLoadException(file, "op '" + io.nnviz.api.spi.SafeFiles.printable(n.getName()) + "' (" + n.getOp() + ") has "
                    + attr + " '" + io.nnviz.api.spi.SafeFiles.printable(v.getS().toStringUtf8()) + "', which TensorFlow does not know");
        }
    }
}
