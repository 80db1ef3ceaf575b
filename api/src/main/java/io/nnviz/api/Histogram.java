package io.nnviz.api;

import java.util.Arrays;

/**
 * A fixed-bin histogram of a tensor's finite values, with NaN and infinite values counted apart.
 * Fixed size whatever the tensor: what hooks keep over a long run.
 *
 * <pre>{@code
 * Histogram h = Histogram.of(weights, 30);
 * h.counts()[0];   // values in [h.min(), h.min() + h.binWidth())
 * }</pre>
 */
public final class Histogram {
    private final double min, max;
    private final long[] counts;
    private final long nonFinite;

    private Histogram(double min, double max, long[] counts, long nonFinite) {
        this.min = min;
        this.max = max;
        this.counts = counts;
        this.nonFinite = nonFinite;
    }

    /** A histogram of {@code t} with {@code bins} equal bins spanning its finite range. */
    public static Histogram of(Tensor t, int bins) {
        TensorStats s = t.stats();
        double lo = s.finite() == 0 ? 0 : s.min(), hi = s.finite() == 0 ? 0 : s.max();
        return of(t, bins, lo, hi);
    }

    /** A histogram with the given range; values outside it go to the first or last bin. */
    public static Histogram of(Tensor t, int bins, double lo, double hi) {
        if (bins < 1) {
            throw new IllegalArgumentException("bins < 1: " + bins);
        }
        if (!(hi >= lo)) {
            throw new IllegalArgumentException("bad range [" + lo + ", " + hi + "]");
        }
        long[] c = new long[bins];
        long nonFinite = 0;
        double scale = hi > lo ? bins / (hi - lo) : 0;
        float[] data = t.valuesInAnyOrder(); // counts do not depend on the order
        int last = bins - 1;
        for (float v : data) {
            if (v - v != 0) { // NaN or infinite
                nonFinite++;
                continue;
            }
            int b = (int) ((v - lo) * scale);
            c[b < 0 ? 0 : b > last ? last : b]++;
        }
        return new Histogram(lo, hi, c, nonFinite);
    }

    /** A histogram from counts already binned over [min, max]. */
    public static Histogram ofCounts(double min, double max, long[] counts, long nonFinite) {
        if (counts.length == 0 || !(max >= min)) {
            throw new IllegalArgumentException("need counts and min <= max");
        }
        return new Histogram(min, max, counts.clone(), nonFinite);
    }

    /** Lower edge of the first bin. */
    public double min() {
        return min;
    }

    /** Upper edge of the last bin. */
    public double max() {
        return max;
    }

    /** Number of bins. */
    public int bins() {
        return counts.length;
    }

    /** Width of a bin (0 for constant data). */
    public double binWidth() {
        return (max - min) / counts.length;
    }

    /** A copy of the counts. */
    public long[] counts() {
        return counts.clone();
    }

    /** Count of bin {@code i}. */
    public long count(int i) {
        return counts[i];
    }

    /** NaN and infinite values seen. */
    public long nonFinite() {
        return nonFinite;
    }

    /** Finite values counted. */
    public long total() {
        long n = 0;
        for (long c : counts) {
            n += c;
        }
        return n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Histogram h && h.min == min && h.max == max && h.nonFinite == nonFinite
                && Arrays.equals(h.counts, counts);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(counts) * 31 + Double.hashCode(min);
    }

    @Override
    public String toString() {
        return "Histogram[" + min + ", " + max + "]" + Arrays.toString(counts);
    }
}
