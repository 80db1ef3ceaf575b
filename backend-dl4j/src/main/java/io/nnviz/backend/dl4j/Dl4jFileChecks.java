package io.nnviz.backend.dl4j;

import io.nnviz.backend.dl4j.keras.KerasFiles;

import io.nnviz.api.ModelLoadException;
import io.nnviz.api.ModelTooLargeException;
import io.nnviz.api.spi.Printable;
import io.nnviz.api.spi.SafeFiles;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.modelimport.keras.KerasModel;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * What a DL4J zip or Keras file declares, checked before DL4J reads it: DL4J allocates native
 * memory for whatever lengths a file states (a 2 KB zip declaring 2^62 values crashed the JVM in
 * JavaCPP), so the configuration is parsed first (DL4J's own parser, which allocates nothing), its
 * parameter count checked against the memory budget, and {@code coefficients.bin}'s header
 * against both the configuration and the entry's real size.
 */
final class Dl4jFileChecks {
    static final long MAX_CONFIG_BYTES = 64L << 20;
    static final int MAX_JSON_DEPTH = 256;
    /** The class Keras writes first in a model_config, spaced or compact. */
    private static final Pattern CLASS_NAME = Pattern.compile("^\\s*\\{\\s*\"class_name\"\\s*:\\s*\"([A-Za-z0-9_]{1,64})\"");
    private static final Map<String, Integer> BYTES = Map.ofEntries(Map.entry("FLOAT", 4), Map.entry("DOUBLE", 8),
            Map.entry("HALF", 2), Map.entry("BFLOAT16", 2), Map.entry("INT", 4), Map.entry("LONG", 8), Map.entry("SHORT", 2),
            Map.entry("BYTE", 1), Map.entry("UBYTE", 1), Map.entry("BOOL", 1), Map.entry("UINT16", 2), Map.entry("UINT32", 4),
            Map.entry("UINT64", 8));

    private Dl4jFileChecks() {
    }

    /** A DL4J model zip: entries, configuration and parameters. */
    static void checkZip(Path p, boolean graph, long budget) throws IOException {
        try (ZipFile z = new ZipFile(p.toFile())) {
            SafeFiles.checkedEntries(p, z, budget);
            ZipEntry conf = z.getEntry("configuration.json"), coef = z.getEntry("coefficients.bin");
            if (conf.getSize() > MAX_CONFIG_BYTES) {
                throw new ModelLoadException(p, "its configuration.json is " + conf.getSize() + " bytes (at most " + MAX_CONFIG_BYTES + ")");
            }
            String json;
            try (InputStream in = SafeFiles.bounded(p, "configuration.json", z.getInputStream(conf), conf.getSize())) {
                json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            requireShallowJson(p, "configuration.json", json);
            long params;
            try {
                params = graph ? parameters(ComputationGraphConfiguration.fromJson(json)) : parameters(MultiLayerConfiguration.fromJson(json));
            } catch (RuntimeException e) {
                throw new ModelLoadException(p, "its configuration.json is not a DL4J " + (graph ? "ComputationGraph" : "MultiLayerNetwork")
                        + " configuration (" + e.getClass().getSimpleName() + ")", e);
            }
            if (params < 0 || params > budget / 4) {
                throw new ModelTooLargeException(p, "its configuration", params < 0 ? -1 : params * 4, budget);
            }
            long values = coefficients(p, z, coef);
            if (values != params) {
                throw new ModelLoadException(p, "coefficients.bin holds " + values + " values, but the configuration has " + params
                        + " parameters");
            }
        }
    }

    /** The parameters a configuration declares, as DL4J counts them, without allocating any. */
    private static long parameters(MultiLayerConfiguration c) {
        long n = 0;
        for (NeuralNetConfiguration layer : c.getConfs()) {
            n = Math.addExact(n, layer.getLayer().initializer().numParams(layer));
        }
        return n;
    }

    /** The parameters a graph configuration declares, as DL4J counts them, without allocating any. */
    private static long parameters(ComputationGraphConfiguration c) {
        long n = 0;
        for (var v : c.getVertices().values()) {
            if (v instanceof LayerVertex lv) {
                n = Math.addExact(n, lv.getLayerConf().getLayer().initializer().numParams(lv.getLayerConf()));
            }
        }
        return n;
    }

    /**
     * The value count in {@code coefficients.bin}, from its two headers (ND4J's binary format: the
     * shape-information buffer, then the data buffer, each an allocation-mode string, a length and
     * a type name), checked against the entry's size before anything is allocated.
     */
    private static long coefficients(Path p, ZipFile z, ZipEntry coef) throws IOException {
        long size = coef.getSize();
        long[] read = {0};
        InputStream counted = new FilterInputStream(SafeFiles.bounded(p, "coefficients.bin", z.getInputStream(coef), size)) {
            @Override
            public int read() throws IOException {
                int b = super.read();
                read[0] += b >= 0 ? 1 : 0;
                return b;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, len);
                read[0] += Math.max(n, 0);
                return n;
            }
        };
        try (DataInputStream in = new DataInputStream(counted)) {
            in.readUTF();
            long shapeLength = in.readLong();
            String shapeType = in.readUTF();
            if (shapeLength < 4 || shapeLength > 2 * 32 + 4 || !shapeType.equals("LONG") && !shapeType.equals("INT")) {
                throw new ModelLoadException(p, "coefficients.bin declares a shape header of " + shapeLength + " " + Printable.name(shapeType)
                        + " values (ND4J writes 4 + 2 x rank LONG values, rank at most 32)");
            }
            long[] info = new long[(int) shapeLength];
            for (int i = 0; i < info.length; i++) {
                info[i] = shapeType.equals("LONG") ? in.readLong() : in.readInt();
            }
            long rank = info[0];
            if (rank < 0 || 2 * rank + 4 != shapeLength) {
                throw new ModelLoadException(p, "coefficients.bin declares rank " + rank + " in a shape header of " + shapeLength + " values");
            }
            long elements = 1;
            for (int i = 1; i <= rank; i++) {
                if (info[i] < 0) {
                    throw new ModelLoadException(p, "coefficients.bin declares a dimension " + info[i]);
                }
                elements = multiply(p, elements, info[i]);
            }
            in.readUTF();
            long length = in.readLong();
            String type = in.readUTF();
            Integer bytes = BYTES.get(type);
            if (bytes == null) {
                throw new ModelLoadException(p, "coefficients.bin declares values of an unknown type " + Printable.name(type));
            }
            if (length != elements) {
                throw new ModelLoadException(p, "coefficients.bin declares " + length + " values for a shape of " + elements);
            }
            if (multiply(p, length, bytes) > size - read[0]) {
                throw new ModelLoadException(p, "coefficients.bin declares " + length + " " + type + " values, but the entry is " + size + " bytes");
            }
            return length;
        } catch (EOFException e) {
            throw new ModelLoadException(p, "coefficients.bin ends inside its header");
        }
    }

    private static long multiply(Path p, long a, long b) {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            throw new ModelLoadException(p, "coefficients.bin declares more than 2^63 bytes");
        }
    }

    /**
     * A Keras HDF5 file's {@code model_config} (read by {@link KerasFiles#checkHdf5}; null if it has none) parsed
     * by DL4J's Keras import without weights, and its parameters checked against the budget and
     * against what the file's datasets hold.
     */
    static void checkKeras(Path p, KerasFiles.Hdf5Contents held, boolean sequential, long budget) {
        String json = held.modelConfig();
        if (json == null) {
            return;
        }
        requireShallowJson(p, "model_config", json);
        long params;
        try {
            // the file's root attributes say Keras 2 (the format nnviz reads); a bare model_config does not, and DL4J
            // would read it with Keras 1's layer names
            int open = json.indexOf('{');
            String described = "{\"keras_version\": \"2.10.0\", \"backend\": \"tensorflow\", " + json.substring(open + 1);
            var b = new KerasModel().modelBuilder().modelJson(described).enforceTrainingConfig(false);
            params = sequential ? parameters(b.buildSequential().getMultiLayerConfiguration())
                    : parameters(b.buildModel().getComputationGraphConfiguration());
        } catch (Exception | LinkageError e) {
            return; // DL4J's full import says what is wrong, in its own words
        }
        if (params < 0 || params > budget / 4) {
            throw new ModelTooLargeException(p, "its model_config", params < 0 ? -1 : params * 4, budget);
        }
        // DL4J allocates every parameter the configuration declares before it reads a weight: a 19 KB file declaring
        // Dense(35,000,000) took 5 GB. Weights take at least a byte each, so the datasets must hold that much.
        if (params > held.datasetBytes()) {
            throw new ModelLoadException(p, "its model_config declares " + params + " weights, its datasets hold " + held.datasetBytes()
                    + " bytes");
        }
    }

    /** The Keras model class a model_config names first (Sequential, Functional, Model), however the JSON is spaced; "" if none. */
    static String kerasClassName(String json) {
        if (json == null) {
            return "";
        }
        Matcher m = CLASS_NAME.matcher(json);
        return m.find() ? m.group(1) : "";
    }

    /** JSON nested no deeper than {@link #MAX_JSON_DEPTH}: deeper nesting overflows the stack of DL4J's parser. */
    private static void requireShallowJson(Path p, String what, String json) {
        if (scan(json, 0, MAX_JSON_DEPTH, false)[1] > MAX_JSON_DEPTH) {
            throw new ModelLoadException(p, "its " + what + " nests deeper than " + MAX_JSON_DEPTH + " levels");
        }
    }

    /**
     * Scans JSON text from {@code start} for its brackets, outside strings: {end, deepest}, where end
     * is the index after the bracket that closes the first value ({@code untilClosed}; -1 if none, or
     * at a NUL byte, which leaves an HDF5 attribute), and deepest the deepest nesting seen, the scan
     * stopping once it passes {@code limit}.
     */
    private static int[] scan(String s, int start, int limit, boolean untilClosed) {
        int depth = 0, max = 0;
        boolean string = false;
        for (int i = start; i < s.length(); i++) {
            char c = s.charAt(i);
            if (string) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    string = false;
                }
            } else if (c == '"') {
                string = true;
            } else if (c == '{' || c == '[') {
                max = Math.max(max, ++depth);
                if (max > limit) {
                    return new int[] {-1, max};
                }
            } else if (c == '}' || c == ']') {
                if (--depth == 0 && untilClosed) {
                    return new int[] {i + 1, max};
                }
            } else if (c == 0 && untilClosed) {
                return new int[] {-1, max};
            }
        }
        return new int[] {-1, max};
    }
}
