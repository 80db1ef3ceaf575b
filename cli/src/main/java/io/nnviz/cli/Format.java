package io.nnviz.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The model formats the CLI reads, told apart by content (signatures and, for zips, their
 * entries), never by the file name alone; and the backend world that reads each.
 */
enum Format {
    DL4J_ZIP("DL4J model zip", "dl4j"),
    KERAS_H5("Keras HDF5", "dl4j"),
    SAVED_MODEL("TensorFlow SavedModel", "tensorflow"),
    FROZEN_PB("TensorFlow frozen GraphDef", "tensorflow"),
    TORCHSCRIPT("TorchScript", "djl"),
    ONNX("ONNX", "djl");

    private static final byte[] HDF5 = {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};

    final String description;
    final String world;

    Format(String description, String world) {
        this.description = description;
        this.world = world;
    }

    /** Thrown when a path is no model this CLI reads; the message names the reason. */
    static final class Unsupported extends Exception {
        Unsupported(String message) {
            super(message);
        }
    }

    /** The format of {@code path}, from its content. */
    static Format detect(Path path) throws Unsupported, IOException {
        if (!Files.exists(path)) {
            throw new Unsupported("no such file or directory");
        }
        if (Files.isDirectory(path)) {
            if (Files.isRegularFile(path.resolve("saved_model.pb")) || Files.isRegularFile(path.resolve("saved_model.pbtxt"))) {
                return SAVED_MODEL;
            }
            throw new Unsupported("a directory, but not a TensorFlow SavedModel (no saved_model.pb in it)");
        }
        if (!Files.isReadable(path)) {
            throw new Unsupported("not readable (permissions)");
        }
        long size = Files.size(path);
        if (size == 0) {
            throw new Unsupported("an empty file");
        }
        byte[] head = new byte[16];
        int n;
        try (InputStream in = Files.newInputStream(path)) {
            n = in.readNBytes(head, 0, head.length);
        }
        if (n >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) {
            return zipFormat(path);
        }
        if (n >= 8 && Arrays.equals(Arrays.copyOf(head, 8), HDF5)) {
            return KERAS_H5;
        }
        // protobufs: an ONNX ModelProto starts with ir_version (field 1, varint: tag 0x08); a GraphDef
        // with its nodes (field 1, length-delimited: tag 0x0A); the parser then checks the rest
        if (head[0] == 0x08) {
            return ONNX;
        }
        if (head[0] == 0x0A) {
            return FROZEN_PB;
        }
        throw new Unsupported("not a model format nnviz reads (DL4J zip, Keras .h5, SavedModel, frozen .pb, TorchScript .pt, ONNX):"
                + " it starts with bytes " + hex(head, n));
    }

    private static Format zipFormat(Path path) throws Unsupported {
        try (ZipFile zip = new ZipFile(path.toFile())) {
            boolean dl4j = false, torch = false;
            for (var e = zip.entries(); e.hasMoreElements(); ) {
                ZipEntry z = e.nextElement();
                String name = z.getName();
                dl4j |= name.equals("configuration.json");
                torch |= name.endsWith("/data.pkl") || name.endsWith("/constants.pkl") || name.equals("data.pkl");
            }
            if (dl4j) {
                return DL4J_ZIP;
            }
            if (torch) {
                return TORCHSCRIPT;
            }
            throw new Unsupported("a zip archive, but neither a DL4J model (no configuration.json) nor TorchScript (no data.pkl)");
        } catch (IOException e) {
            throw new Unsupported("a damaged or truncated zip archive (" + e.getMessage() + ")");
        }
    }

    private static String hex(byte[] b, int n) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < Math.min(n, 8); i++) {
            s.append(String.format("%02x", b[i] & 0xff));
        }
        return s.toString();
    }
}
