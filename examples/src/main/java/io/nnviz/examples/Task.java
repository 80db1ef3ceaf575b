package io.nnviz.examples;

import io.nnviz.api.Tensor;

/**
 * The four example tasks, all on real Fashion-MNIST images, and how each one reads an image.
 * Every framework's example trains the same task on the same data, so their reports compare.
 */
public enum Task {
    /** A LeNet-style CNN classifying 28x28 images ({@code [N, 1, 28, 28]}). */
    cnn("LeNet-style CNN classifying Fashion-MNIST", 784, true),
    /** An MLP classifying flattened images ({@code [N, 784]}). */
    mlp("MLP classifying Fashion-MNIST", 784, true),
    /** An LSTM reading each image as 28 time steps of 28-pixel rows ({@code [N, 28, 28]}), classifying it from its last state. */
    lstm("LSTM classifying Fashion-MNIST read row by row", 784, true),
    /**
     * An MLP regressor: from the top half of an image ({@code [N, 392]}) it predicts the mean
     * brightness of the bottom half, a real-valued target no single pixel gives away.
     */
    regressor("MLP regressor predicting the bottom half's brightness from the top half", 392, false);

    /** Pixels in one row of an image, and rows in an image. */
    public static final int SIDE = 28;

    private final String title;
    private final int features;
    private final boolean classifier;

    Task(String title, int features, boolean classifier) {
        this.title = title;
        this.features = features;
        this.classifier = classifier;
    }

    /** What the example trains, for report titles. */
    public String title() {
        return title;
    }

    /** Input values per sample. */
    public int features() {
        return features;
    }

    /** True for the three classifiers (ten classes), false for the regressor (one value). */
    public boolean classifier() {
        return classifier;
    }

    /** Outputs per sample: ten class scores, or one value. */
    public int outputs() {
        return classifier ? 10 : 1;
    }

    /** The canonical input shape of {@code n} samples (images NCHW, sequences [N, T, C], flat vectors [N, F]). */
    public int[] shape(int n) {
        return switch (this) {
            case cnn -> new int[] {n, 1, SIDE, SIDE};
            case lstm -> new int[] {n, SIDE, SIDE};
            case mlp, regressor -> new int[] {n, features};
        };
    }

    /** The inputs of images {@code [from, from + n)}, row-major in the canonical shape. */
    public float[] inputs(Images d, int from, int n) {
        float[] x = new float[n * features];
        for (int i = 0; i < n; i++) {
            System.arraycopy(d.pixels()[from + i], 0, x, i * features, features); // the regressor takes the first 14 rows
        }
        return x;
    }

    /** The same inputs as a tensor. */
    public Tensor tensor(Images d, int from, int n) {
        return Tensor.of(inputs(d, from, n), shape(n));
    }

    /** The regression target of image {@code i}: the mean brightness of its bottom 14 rows. */
    public static float bottomBrightness(Images d, int i) {
        double s = 0;
        float[] px = d.pixels()[i];
        for (int p = 392; p < 784; p++) {
            s += px[p];
        }
        return (float) (s / 392);
    }

    /** Targets of images {@code [from, from + n)}: one-hot classes {@code [n, 10]}, or {@code [n, 1]} values. */
    public float[] targets(Images d, int from, int n) {
        float[] y = new float[n * outputs()];
        for (int i = 0; i < n; i++) {
            if (classifier) {
                y[i * 10 + d.labels()[from + i]] = 1;
            } else {
                y[i] = bottomBrightness(d, from + i);
            }
        }
        return y;
    }
}
