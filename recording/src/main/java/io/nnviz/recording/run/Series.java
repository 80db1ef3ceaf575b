package io.nnviz.recording.run;

import io.nnviz.analysis.Curve;
import java.util.Arrays;

/**
 * A bounded reservoir of (x, value): when full it keeps every other point and from then on only
 * every {@code stride}-th new one, so it covers the whole run at an even resolution in at most
 * {@code max + 1} points; the latest point is always kept (in the last slot). Thread-safe.
 */
final class Series {
    private final int max;
    /** The kept points, in arrival order: x and value side by side, {@code n} of them (no object per point: added every step). */
    private double[] xs = new double[16], ys = new double[16];
    private int n;
    private int stride = 1;
    private long seen;

    Series(int max) {
        if (max < 2) {
            throw new IllegalArgumentException("a series keeps at least 2 points, got " + max);
        }
        this.max = max;
    }

    synchronized void add(double x, double value) {
        seen++;
        if (n > 0 && (seen - 1) % stride != 0) {
            xs[n - 1] = x; // keep the latest in the last slot
            ys[n - 1] = value;
            return;
        }
        if (n == xs.length) {
            xs = Arrays.copyOf(xs, Math.min(max + 1, 2 * n));
            ys = Arrays.copyOf(ys, xs.length);
        }
        xs[n] = x;
        ys[n] = value;
        n++;
        if (n > max) {
            // every other point, from the first; the latest too when that skips it
            int last = n - 1, k = 0;
            for (int i = 0; i < n; i += 2) {
                xs[k] = xs[i];
                ys[k] = ys[i];
                k++;
            }
            if (last % 2 != 0) {
                xs[k] = xs[last];
                ys[k] = ys[last];
                k++;
            }
            n = k;
            stride *= 2;
        }
    }

    /** The points in x order (a value logged twice for one x: the later one). */
    synchronized Curve points() {
        if (strictlyAscending()) { // the usual case, every step read by the doctor: no sort, no boxing
            return Curve.of(Arrays.copyOf(xs, n), Arrays.copyOf(ys, n));
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(xs[a], xs[b])); // stable: equal x keep arrival order
        int m = 0;
        double[] x = new double[n], y = new double[n];
        for (int i : order) {
            if (m > 0 && x[m - 1] == xs[i]) {
                y[m - 1] = ys[i];
                continue;
            }
            x[m] = xs[i];
            y[m] = ys[i];
            m++;
        }
        return Curve.of(Arrays.copyOf(x, m), Arrays.copyOf(y, m));
    }

    private boolean strictlyAscending() {
        for (int i = 1; i < n; i++) {
            if (!(xs[i] > xs[i - 1])) {
                return false;
            }
        }
        return true;
    }

    synchronized int size() {
        return n;
    }

    /** The reservoir's whole state, in arrival order. */
    synchronized MutableRunLog.SeriesState state() {
        return new MutableRunLog.SeriesState(Arrays.copyOf(xs, n), Arrays.copyOf(ys, n), stride, seen);
    }

    /** Puts back a state from {@link #state()}, so a resumed run thins exactly as the uninterrupted one would. */
    synchronized void restore(MutableRunLog.SeriesState s) {
        double[] x = s.x(), y = s.y();
        if (x.length != y.length || x.length > max || s.stride() < 1 || s.seen() < x.length) {
            throw new IllegalArgumentException("inconsistent series: " + x.length + " x, " + y.length + " values, stride "
                    + s.stride() + ", seen " + s.seen() + ", at most " + max + " points");
        }
        xs = Arrays.copyOf(x, Math.max(16, x.length));
        ys = Arrays.copyOf(y, xs.length);
        n = x.length;
        this.stride = s.stride();
        this.seen = s.seen();
    }
}
