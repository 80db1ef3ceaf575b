package com.example;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * A few thousand Fashion-MNIST images (Zalando SE, MIT licence: resources/fashion-mnist/LICENSE),
 * read from this project's resources so the quick start runs offline.
 *
 * @param images one row of 28 x 28 pixels in [0, 1] per image
 * @param labels each image's class, 0-9
 */
record FashionMnist(float[][] images, int[] labels) {
    static final List<String> CLASSES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
            "Sneaker", "Bag", "Ankle boot");

    /** The {@code "train"} or the {@code "t10k"} (test) images. */
    static FashionMnist load(String split) throws IOException {
        try (DataInputStream px = open(split + "-images-idx3-ubyte.gz"); DataInputStream lb = open(split + "-labels-idx1-ubyte.gz")) {
            px.skipNBytes(4);
            int n = px.readInt(), side = px.readInt() * px.readInt();
            lb.skipNBytes(8);
            float[][] images = new float[n][side];
            int[] labels = new int[n];
            for (int i = 0; i < n; i++) {
                for (int p = 0; p < side; p++) {
                    images[i][p] = px.readUnsignedByte() / 255f;
                }
                labels[i] = lb.readUnsignedByte();
            }
            return new FashionMnist(images, labels);
        }
    }

    private static DataInputStream open(String name) throws IOException {
        InputStream in = FashionMnist.class.getResourceAsStream("/fashion-mnist/" + name);
        if (in == null) {
            throw new IOException("fashion-mnist/" + name + " is missing from the resources");
        }
        return new DataInputStream(new GZIPInputStream(in, 1 << 16));
    }

    int size() {
        return labels.length;
    }

    /** Images {@code from} to {@code from + n} as one flat array, image after image. */
    float[] flat(int from, int n) {
        float[] out = new float[n * images[0].length];
        for (int i = 0; i < n; i++) {
            System.arraycopy(images[from + i], 0, out, i * images[0].length, images[0].length);
        }
        return out;
    }

    /** The labels as one-hot rows. */
    float[][] oneHot() {
        float[][] y = new float[size()][CLASSES.size()];
        for (int i = 0; i < size(); i++) {
            y[i][labels[i]] = 1;
        }
        return y;
    }
}
