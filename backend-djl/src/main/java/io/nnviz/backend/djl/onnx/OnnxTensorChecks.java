package io.nnviz.backend.djl.onnx;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.nnviz.api.ModelLoadException;
import io.nnviz.api.ModelTooLargeException;
import io.nnviz.api.spi.Printable;
import io.nnviz.api.spi.SafeFiles;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;

/**
 * Every tensor an ONNX file holds (initializers and {@code Constant} nodes, in subgraphs too),
 * checked before anything reads its values: dimensions that are not negative and whose product
 * fits, data of exactly the size the dimensions and type declare (files with short, long or
 * missing data, or dims such as {@code [4, 2147483647, 3, 3]}, are refused naming the tensor), and
 * the total within the memory budget. Tensors stored as external data (models over 2 GB, as
 * {@code onnx.save_model(..., save_as_external_data=True)} writes them) are read from their files
 * beside the model, which must stay inside the model's folder, and placed into the model so that
 * the rest of the backend reads them like any other.
 */
final class OnnxTensorChecks {
    private static final Map<Integer, Integer> BYTES = Map.ofEntries(Map.entry(1, 4), Map.entry(2, 1), Map.entry(3, 1),
            Map.entry(4, 2), Map.entry(5, 2), Map.entry(6, 4), Map.entry(7, 8), Map.entry(9, 1), Map.entry(10, 2),
            Map.entry(11, 8), Map.entry(12, 4), Map.entry(13, 8), Map.entry(14, 8), Map.entry(15, 16), Map.entry(16, 2),
            Map.entry(17, 1), Map.entry(18, 1), Map.entry(19, 1), Map.entry(20, 1));
    private static final int STRING = 8;

    private final Path file;
    private final long budget;
    private long total;

    private OnnxTensorChecks(Path file, long budget) {
        this.file = file;
        this.budget = budget;
    }

    /** The model with its tensors checked, external data read in. */
    static OnnxMl.ModelProto check(Path file, OnnxMl.ModelProto model, long budget) {
        OnnxTensorChecks c = new OnnxTensorChecks(file, budget);
        return model.toBuilder().setGraph(c.graph(model.getGraph(), 0)).build();
    }

    private OnnxMl.GraphProto graph(OnnxMl.GraphProto g, int depth) {
        if (depth > 64) {
            throw new ModelLoadException(file, "its subgraphs nest deeper than 64 levels");
        }
        OnnxMl.GraphProto.Builder b = g.toBuilder();
        for (int i = 0; i < b.getInitializerCount(); i++) {
            b.setInitializer(i, tensor(b.getInitializer(i), "initializer"));
        }
        for (int i = 0; i < b.getNodeCount(); i++) {
            OnnxMl.NodeProto n = b.getNode(i);
            OnnxMl.NodeProto.Builder nb = null;
            for (int a = 0; a < n.getAttributeCount(); a++) {
                OnnxMl.AttributeProto at = n.getAttribute(a);
                if (!at.hasT() && at.getTensorsCount() == 0 && !at.hasG() && at.getGraphsCount() == 0) {
                    continue;
                }
                OnnxMl.AttributeProto.Builder ab = at.toBuilder();
                if (at.hasT()) {
                    ab.setT(tensor(at.getT(), "attribute of node " + Printable.name(n.getName())));
                }
                for (int k = 0; k < at.getTensorsCount(); k++) {
                    ab.setTensors(k, tensor(at.getTensors(k), "attribute of node " + Printable.name(n.getName())));
                }
                if (at.hasG()) {
                    ab.setG(graph(at.getG(), depth + 1));
                }
                for (int k = 0; k < at.getGraphsCount(); k++) {
                    ab.setGraphs(k, graph(at.getGraphs(k), depth + 1));
                }
                if (nb == null) {
                    nb = n.toBuilder();
                }
                nb.setAttribute(a, ab);
            }
            if (nb != null) {
                b.setNode(i, nb);
            }
        }
        return b.build();
    }

    private OnnxMl.TensorProto tensor(OnnxMl.TensorProto t, String where) {
        String name = "tensor " + Printable.name(t.getName()) + " (" + where + ")";
        long count = 1;
        for (long d : t.getDimsList()) {
            if (d < 0) {
                throw new ModelLoadException(file, name + " has a negative dimension " + d);
            }
            try {
                count = Math.multiplyExact(count, d);
            } catch (ArithmeticException e) {
                throw new ModelLoadException(file, name + " has dimensions " + t.getDimsList() + " whose product overflows");
            }
        }
        if (t.getDataType() == STRING) {
            return t;
        }
        Integer size = BYTES.get(t.getDataType());
        if (size == null) {
            return t; // 4-bit and future types: nnviz reads none of their values
        }
        long bytes;
        try {
            bytes = Math.multiplyExact(count, size);
        } catch (ArithmeticException e) {
            throw new ModelLoadException(file, name + " declares more than 2^63 bytes");
        }
        total += bytes;
        if (bytes > budget || total > budget) {
            throw new ModelTooLargeException(file, name.startsWith("tensor") && bytes > budget ? name : "its tensors", Math.max(bytes, total), budget);
        }
        if (t.getDataLocation() == OnnxMl.TensorProto.DataLocation.EXTERNAL) {
            return external(t, name, bytes);
        }
        if (!t.getRawData().isEmpty()) {
            if (t.getRawData().size() != bytes) {
                throw new ModelLoadException(file, name + " holds " + t.getRawData().size() + " bytes of data for dimensions "
                        + t.getDimsList() + ", which need " + bytes);
            }
            return t;
        }
        long typed = t.getFloatDataCount() + t.getInt32DataCount() + t.getInt64DataCount() + t.getDoubleDataCount()
                + t.getUint64DataCount();
        long want = t.getDataType() == 14 || t.getDataType() == 15 ? 2 * count : count; // complex numbers: two values each
        if (typed != want) {
            throw new ModelLoadException(file, name + " holds " + typed + " values for dimensions " + t.getDimsList() + ", which need "
                    + want + (typed == 0 ? " (its data is missing)" : ""));
        }
        return t;
    }

    /** A tensor's external data read into it, from a file inside the model's folder. */
    private OnnxMl.TensorProto external(OnnxMl.TensorProto t, String name, long bytes) {
        String location = null;
        long offset = 0, length = -1;
        for (OnnxMl.StringStringEntryProto e : t.getExternalDataList()) {
            try {
                switch (e.getKey()) {
                    case "location" -> location = e.getValue();
                    case "offset" -> offset = Long.parseLong(e.getValue());
                    case "length" -> length = Long.parseLong(e.getValue());
                    default -> { }
                }
            } catch (NumberFormatException x) {
                throw new ModelLoadException(file, name + " gives its external data's " + e.getKey() + " as " + Printable.name(e.getValue()));
            }
        }
        if (location == null || location.isEmpty()) {
            throw new ModelLoadException(file, name + " is stored externally but names no file");
        }
        Path dir = file.toAbsolutePath().getParent();
        Path data;
        try {
            data = dir.resolve(location).normalize();
        } catch (InvalidPathException x) { // a NUL or another character no file name may hold (found by Jazzer)
            throw new ModelLoadException(file, name + " names external data by an impossible file name: " + Printable.name(location));
        }
        if (Path.of(location).isAbsolute() || !data.startsWith(dir)) {
            throw new ModelLoadException(file, name + " names external data outside the model's folder: " + Printable.name(location));
        }
        // the name lies inside the folder; the file it reaches must too, once links are followed (a link beside the model to
        // /etc/passwd): checked before anything of it is read or told, its size included
        if (Files.exists(data, LinkOption.NOFOLLOW_LINKS)) {
            try {
                if (!data.toRealPath().startsWith(dir.toRealPath())) {
                    throw new ModelLoadException(file, name + " names external data outside the model's folder: " + Printable.name(location)
                            + " is a link out of it");
                }
            } catch (IOException e) {
                throw new ModelLoadException(file, name + " is stored in " + Printable.name(location) + ", which cannot be resolved");
            }
        }
        long size;
        try {
            size = SafeFiles.requireRegularFile(data);
        } catch (ModelLoadException e) {
            throw new ModelLoadException(file, name + " is stored in " + Printable.name(location) + ", which is "
                    + e.getMessage().substring(e.getMessage().lastIndexOf(": ") + 2));
        }
        if (length < 0) {
            length = size - offset;
        }
        if (offset < 0 || length != bytes || offset > size - length) {
            throw new ModelLoadException(file, name + " takes " + length + " bytes at offset " + offset + " of " + Printable.name(location)
                    + " (" + size + " bytes) for dimensions " + t.getDimsList() + ", which need " + bytes);
        }
        if (bytes > Integer.MAX_VALUE - 8) {
            throw new ModelLoadException(file, name + " is " + bytes + " bytes: nnviz reads tensors of up to 2 GB");
        }
        try (InputStream in = Files.newInputStream(data)) {
            in.skipNBytes(offset);
            byte[] b = in.readNBytes((int) length);
            if (b.length != length) {
                throw new ModelLoadException(file, name + ": " + Printable.name(location) + " ended early");
            }
            ByteString raw = UnsafeByteOperations.unsafeWrap(b); // b is ours alone: no copy
            return t.toBuilder().clearExternalData().setDataLocation(OnnxMl.TensorProto.DataLocation.DEFAULT).setRawData(raw).build();
        } catch (EOFException e) {
            throw new ModelLoadException(file, name + ": " + Printable.name(location) + " ended early");
        } catch (IOException e) {
            throw new ModelLoadException(file, name + ": cannot read " + Printable.name(location) + " (" + e.getMessage() + ")");
        }
    }
}
