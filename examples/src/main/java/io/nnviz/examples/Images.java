package io.nnviz.examples;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * Fashion-MNIST for the examples: the full set from Debian's {@code dataset-fashion-mnist} when it
 * is installed, else the subset shipped in this jar (6,000 training and 1,000 test images; Zalando
 * SE, MIT licence, see {@code fashion-mnist/LICENSE}).
 *
 * @param pixels row-major 28x28 images scaled to [0, 1]
 * @param labels class of each image, 0-9
 * @param source where they were read from
 */
public record Images(float[][] pixels, int[] labels, String source) {
    /** Class names in label order. */
    public static final List<String> CLASSES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress",
            "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");
    static final Path DEBIAN = Path.of("/usr/share/datasets/fashion-mnist");

    /** Up to {@code n} training ({@code test == false}) or test images. */
    public static Images load(boolean test, int n) throws IOException {
        String prefix = test ? "t10k" : "train";
        Path images = DEBIAN.resolve(prefix + "-images-idx3-ubyte.gz"), labels = DEBIAN.resolve(prefix + "-labels-idx1-ubyte.gz");
        if (Files.isReadable(images) && Files.isReadable(labels)) {
            try (InputStream i = Files.newInputStream(images); InputStream l = Files.newInputStream(labels)) {
                return read(i, l, n, DEBIAN.toString());
            }
        }
        String res = "fashion-mnist/" + prefix;
        try (InputStream i = Images.class.getResourceAsStream(res + "-images-idx3-ubyte.gz");
             InputStream l = Images.class.getResourceAsStream(res + "-labels-idx1-ubyte.gz")) {
            if (i == null || l == null) {
                throw new IOException("the Fashion-MNIST subset is missing from the examples jar (" + res + ")");
            }
            return read(i, l, n, "the subset in the examples jar");
        }
    }

    private static Images read(InputStream imageFile, InputStream labelFile, int n, String source) throws IOException {
        DataInputStream in = new DataInputStream(new GZIPInputStream(imageFile, 1 << 16));
        if (in.readInt() != 2051) {
            throw new IOException(source + ": not an IDX image file");
        }
        int count = Math.min(n, in.readInt()), side = in.readInt() * in.readInt();
        float[][] px = new float[count][side];
        byte[] row = new byte[side];
        for (int k = 0; k < count; k++) {
            in.readFully(row);
            for (int p = 0; p < side; p++) {
                px[k][p] = (row[p] & 0xFF) / 255f;
            }
        }
        DataInputStream lab = new DataInputStream(new GZIPInputStream(labelFile));
        if (lab.readInt() != 2049) {
            throw new IOException(source + ": not an IDX label file");
        }
        lab.readInt();
        int[] y = new int[count];
        for (int k = 0; k < count; k++) {
            y[k] = lab.readUnsignedByte();
        }
        return new Images(px, y, source);
    }

    /** Number of images. */
    public int size() {
        return labels.length;
    }
}
