package io.nnviz.testkit;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The real-model corpus: pretrained models nobody here made, fetched from the registries and
 * converted by {@code corpus/fetch.sh} (which {@code .ci/run} runs) into {@code $NNVIZ_CORPUS},
 * default {@code ~/.cache/nnviz/corpus}.
 */
public final class Corpus {
    private Corpus() {
    }

    /** The corpus folder. */
    public static Path dir() {
        String env = System.getenv("NNVIZ_CORPUS");
        return env != null && !env.isBlank() ? Path.of(env) : Path.of(System.getProperty("user.home"), ".cache", "nnviz", "corpus");
    }

    /** A corpus file; fails with the command that fetches it when it is missing. */
    public static Path file(String relative) {
        Path p = dir().resolve(relative);
        if (!Files.exists(p)) {
            throw new AssertionError(p + " is missing: run bash corpus/fetch.sh (it fetches the real-model corpus from the registries)");
        }
        return p;
    }

    /** A NumPy {@code .npy} file of float32 values written by the corpus scripts: {shape as long[], values as float[]}. */
    public static Object[] npy(Path file) throws java.io.IOException {
        byte[] b = Files.readAllBytes(file);
        if (b.length < 10 || b[0] != (byte) 0x93 || b[1] != 'N') {
            throw new java.io.IOException(file + " is not a .npy file");
        }
        int headerLen = (b[8] & 0xFF) | (b[9] & 0xFF) << 8;
        String header = new String(b, 10, headerLen, java.nio.charset.StandardCharsets.US_ASCII);
        if (!header.contains("'<f4'") || header.contains("'fortran_order': True")) {
            throw new java.io.IOException(file + ": only little-endian float32 in C order is read here: " + header);
        }
        String dims = header.substring(header.indexOf("'shape': (") + 10, header.indexOf(')', header.indexOf("'shape': (")));
        long[] shape = java.util.Arrays.stream(dims.split(",")).map(String::trim).filter(s -> !s.isEmpty()).mapToLong(Long::parseLong).toArray();
        java.nio.FloatBuffer f = java.nio.ByteBuffer.wrap(b, 10 + headerLen, b.length - 10 - headerLen)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        float[] v = new float[f.remaining()];
        f.get(v);
        return new Object[] {shape, v};
    }

    /** A corpus {@code .npy} file as a tensor of its own shape. */
    public static io.nnviz.api.Tensor tensor(String relative) throws java.io.IOException {
        Object[] a = npy(file(relative));
        long[] s = (long[]) a[0];
        return io.nnviz.api.Tensor.of((float[]) a[1], java.util.Arrays.stream(s).mapToInt(Math::toIntExact).toArray());
    }

    /**
     * Asserts equal shapes and every value within {@code rel} of the expected one, relative to the
     * value itself or, for values near zero, to 1% of the expected tensor's largest magnitude.
     */
    public static void assertClose(io.nnviz.api.Tensor expected, io.nnviz.api.Tensor actual, double rel, String what) {
        org.junit.jupiter.api.Assertions.assertEquals(expected.shape(), actual.shape(), what + ": shape");
        double scale = Math.max(1e-6, Math.max(Math.abs(expected.stats().max()), Math.abs(expected.stats().min())));
        for (int i = 0; i < expected.size(); i++) {
            double e = expected.getFlat(i), a = actual.getFlat(i);
            if (!(Math.abs(e - a) <= rel * Math.max(Math.abs(e), scale * 1e-2))) {
                throw new AssertionError(what + " value " + i + ": expected " + e + ", nnviz " + a);
            }
        }
    }
}
