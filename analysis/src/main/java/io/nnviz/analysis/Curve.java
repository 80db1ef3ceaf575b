package io.nnviz.analysis;

import java.util.Arrays;

/**
 * One recorded series: x (global steps, or zero-based epochs) strictly ascending and the value at
 * each, as a run log gives it back and the doctor's rules read it. Immutable; the arrays handed out
 * are copies.
 */
public final class Curve {
    private static final Curve EMPTY = new Curve(new double[0], new double[0]);
    private final double[] x, y;

    private Curve(double[] x, double[] y) {
        this.x = x;
        this.y = y;
    }

    /** A curve of equal-length arrays (copied), x ascending. */
    public static Curve of(double[] x, double[] y) {
        if (x.length != y.length) {
            throw new IllegalArgumentException(x.length + " x values but " + y.length + " values");
        }
        for (int i = 1; i < x.length; i++) {
            if (!(x[i] > x[i - 1])) {
                throw new IllegalArgumentException("x must ascend: " + x[i - 1] + " then " + x[i]);
            }
        }
        return x.length == 0 ? EMPTY : new Curve(x.clone(), y.clone());
    }

    /** No points. */
    public static Curve empty() {
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

    /** The x of point {@code i}. */
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

    /** The x values shifted by {@code dx} (epochs drawn from 1), a copy. */
    public double[] xs(double dx) {
        double[] out = x.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] += dx;
        }
        return out;
    }

    /** The values (a copy). */
    public double[] ys() {
        return y.clone();
    }

    /** The value at the largest x, or NaN if empty. */
    public double last() {
        return y.length == 0 ? Double.NaN : y[y.length - 1];
    }

    /** The index of the point at {@code at}, or -1. */
    public int indexOf(double at) {
        int i = Arrays.binarySearch(x, at);
        return i >= 0 ? i : -1;
    }

    /** The points before the first value that is not finite (all of them if every one is). */
    public Curve finitePrefix() {
        int n = 0;
        while (n < y.length && Double.isFinite(y[n])) {
            n++;
        }
        return n == y.length ? this : n == 0 ? EMPTY : new Curve(Arrays.copyOf(x, n), Arrays.copyOf(y, n));
    }

    /** The points from index {@code from} on. */
    public Curve from(int from) {
        return from <= 0 ? this : from >= x.length ? EMPTY : new Curve(Arrays.copyOfRange(x, from, x.length),
                Arrays.copyOfRange(y, from, y.length));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Curve c && Arrays.equals(x, c.x) && Arrays.equals(y, c.y);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(x) + Arrays.hashCode(y);
    }

    @Override
    public String toString() {
        return "Curve[" + x.length + "]";
    }
}
