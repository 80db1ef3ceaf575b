package io.nnviz.testkit;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * Reads Fashion-MNIST (Zalando, MIT licence) from the IDX files of Debian's
 * {@code dataset-fashion-mnist} package, which {@code .ci/install-packages} installs. Pixels are
 * scaled to [0, 1].
 *
 * <pre>{@code
 * FashionMnist train = FashionMnist.train(512);   // the first 512 training images
 * float[] img = train.image(0);                    // 784 values, row-major 28x28
 * }</pre>
 */
public final class FashionMnist {
    /** Where Debian puts the files; {@code -Dnnviz.fashionMnist=DIR} overrides. */
    public static final Path DEFAULT_DIR = Path.of("/usr/share/datasets/fashion-mnist");
    /** The ten class names, in label order. */
    public static final List<String> CLASSES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress",
            "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");
    public static final int SIDE = 28, PIXELS = SIDE * SIDE;

    private final float[][] images;
    private final int[] labels;

    private FashionMnist(float[][] images, int[] labels) {
        this.images = images;
        this.labels = labels;
    }

    /** The directory holding the IDX files. */
    public static Path dir() {
        String d = System.getProperty("nnviz.fashionMnist");
        return d != null ? Path.of(d) : DEFAULT_DIR;
    }

    /** The first {@code n} training images. */
    public static FashionMnist train(int n) throws IOException {
        return read("train", n);
    }

    private static final Map<Integer, FashionMnist> CACHE = new HashMap<>();

    /** The first {@code n} training images, read once per JVM (for tests that share them). */
    public static synchronized FashionMnist trainCached(int n) {
        return CACHE.computeIfAbsent(n, k -> {
            try {
                return train(k);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** The first {@code n} test images. */
    public static FashionMnist test(int n) throws IOException {
        return read("t10k", n);
    }

    private static FashionMnist read(String prefix, int n) throws IOException {
        Path imgs = dir().resolve(prefix + "-images-idx3-ubyte.gz"), labs = dir().resolve(prefix + "-labels-idx1-ubyte.gz");
        if (!Files.isReadable(imgs) || !Files.isReadable(labs)) {
            throw new IOException("Fashion-MNIST not found in " + dir()
                    + ": install Debian's dataset-fashion-mnist (bash .ci/install-packages) or set -Dnnviz.fashionMnist=DIR");
        }
        float[][] images;
        try (DataInputStream in = new DataInputStream(new GZIPInputStream(Files.newInputStream(imgs), 1 << 16))) {
            check(in.readInt(), 2051, imgs);
            int count = in.readInt(), rows = in.readInt(), cols = in.readInt();
            if (rows != SIDE || cols != SIDE) {
                throw new IOException(imgs + ": expected 28x28 images, found " + rows + "x" + cols);
            }
            int k = Math.min(n, count);
            images = new float[k][PIXELS];
            byte[] buf = new byte[PIXELS];
            for (int i = 0; i < k; i++) {
                in.readFully(buf);
                for (int p = 0; p < PIXELS; p++) {
                    images[i][p] = (buf[p] & 0xFF) / 255f;
                }
            }
        }
        int[] labels = new int[images.length];
        try (DataInputStream in = new DataInputStream(new GZIPInputStream(Files.newInputStream(labs)))) {
            check(in.readInt(), 2049, labs);
            in.readInt();
            for (int i = 0; i < labels.length; i++) {
                labels[i] = in.readUnsignedByte();
            }
        }
        return new FashionMnist(images, labels);
    }

    private static void check(int magic, int expected, Path p) throws IOException {
        if (magic != expected) {
            throw new IOException(p + " is not an IDX file (magic " + magic + ", expected " + expected + ")");
        }
    }

    /** Number of images. */
    public int size() {
        return images.length;
    }

    /** Image {@code i} as 784 values in [0, 1], row-major (a copy). */
    public float[] image(int i) {
        return images[i].clone();
    }

    /** Label of image {@code i}, 0-9. */
    public int label(int i) {
        return labels[i];
    }

    /** Images {@code from} (inclusive) to {@code to} (exclusive) as one row-major array [n, 784]. */
    public float[] batch(int from, int to) {
        float[] out = new float[(to - from) * PIXELS];
        for (int i = from; i < to; i++) {
            System.arraycopy(images[i], 0, out, (i - from) * PIXELS, PIXELS);
        }
        return out;
    }

    /** One-hot labels of images {@code from} to {@code to} as [n, 10]. */
    public float[] oneHot(int from, int to) {
        float[] out = new float[(to - from) * 10];
        for (int i = from; i < to; i++) {
            out[(i - from) * 10 + labels[i]] = 1;
        }
        return out;
    }
}
