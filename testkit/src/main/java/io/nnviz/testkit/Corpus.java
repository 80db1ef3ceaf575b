package io.nnviz.testkit;

import io.nnviz.api.Tensor;
import org.junit.jupiter.api.Assertions;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

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
    public static Object[] npy(Path file) throws IOException {
        byte[] b = Files.readAllBytes(file);
        if (b.length < 10 || b[0] != (byte) 0x93 || b[1] != 'N') {
            throw new IOException(file + " is not a .npy file");
        }
        int headerLen = (b[8] & 0xFF) | (b[9] & 0xFF) << 8;
        String header = new String(b, 10, headerLen, StandardCharsets.US_ASCII);
        if (!header.contains("'<f4'") || header.contains("'fortran_order': True")) {
            throw new IOException(file + ": only little-endian float32 in C order is read here: " + header);
        }
        String dims = header.substring(header.indexOf("'shape': (") + 10, header.indexOf(')', header.indexOf("'shape': (")));
        long[] shape = Arrays.stream(dims.split(",")).map(String::trim).filter(s -> !s.isEmpty()).mapToLong(Long::parseLong).toArray();
        FloatBuffer f = ByteBuffer.wrap(b, 10 + headerLen, b.length - 10 - headerLen)
                .order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        float[] v = new float[f.remaining()];
        f.get(v);
        return new Object[] {shape, v};
    }

    /** A corpus {@code .npy} file as a tensor of its own shape. */
    public static Tensor tensor(String relative) throws IOException {
        Object[] a = npy(file(relative));
        long[] s = (long[]) a[0];
        return Tensor.of((float[]) a[1], Arrays.stream(s).mapToInt(Math::toIntExact).toArray());
    }

    /**
     * Asserts equal shapes and every value within {@code rel} of the expected one, relative to the
     * value itself or, for values near zero, to 1% of the expected tensor's largest magnitude.
     */
    public static void assertClose(Tensor expected, Tensor actual, double rel, String what) {
        Assertions.assertEquals(expected.shape(), actual.shape(), what + ": shape");
        double scale = Math.max(1e-6, Math.max(Math.abs(expected.stats().max()), Math.abs(expected.stats().min())));
        for (int i = 0; i < expected.size(); i++) {
            double e = expected.getFlat(i), a = actual.getFlat(i);
            if (!(Math.abs(e - a) <= rel * Math.max(Math.abs(e), scale * 1e-2))) {
                throw new AssertionError(what + " value " + i + ": expected " + e + ", nnviz " + a);
            }
        }
    }
}
