package io.nnviz.recording.run;

import java.util.Arrays;

/**
 * One series of a run as read back: x values (steps, or zero-based epochs) in ascending order and
 * their values. Immutable; the arrays handed out are copies.
 */
public final class Points {
    private static final Points EMPTY = new Points(new double[0], new double[0]);

    private final double[] x, y;

    private Points(double[] x, double[] y) {
        this.x = x;
        this.y = y;
    }

    /** Points from equal-length arrays (copied). */
    public static Points of(double[] x, double[] y) {
        if (x.length != y.length) {
            throw new IllegalArgumentException(x.length + " x values but " + y.length + " y values");
        }
        return x.length == 0 ? EMPTY : new Points(x.clone(), y.clone());
    }

    /** No points. */
    public static Points empty() {
        return EMPTY;
    }

    /** Number of points. */
    public int size() {
        return x.length;
    }

    /** True if there are no points. */
    public boolean isEmpty() {
        return x.length == 0;
    }

    /** The x value of point {@code i}. */
    public double x(int i) {
        return x[i];
    }

    /** The value of point {@code i}. */
    public double y(int i) {
        return y[i];
    }

    /** The x values (a copy). */
    public double[] xs() {
        return x.clone();
    }

    /** The values (a copy). */
    public double[] ys() {
        return y.clone();
    }

    /** The x values shifted by {@code dx} (epochs drawn from 1), a copy. */
    public double[] xs(double dx) {
        double[] out = x.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] += dx;
        }
        return out;
    }

    /** The value at the largest x, or NaN if empty. */
    public double last() {
        return y.length == 0 ? Double.NaN : y[y.length - 1];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Points p && Arrays.equals(x, p.x) && Arrays.equals(y, p.y);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(x) + Arrays.hashCode(y);
    }

    @Override
    public String toString() {
        return "Points[" + x.length + "]";
    }
}
