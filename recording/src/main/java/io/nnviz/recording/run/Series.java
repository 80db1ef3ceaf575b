package io.nnviz.recording.run;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A bounded reservoir of (x, value): when full it keeps every other point and from then on only
 * every {@code stride}-th new one, so it covers the whole run at an even resolution in at most
 * {@code max + 1} points; the latest point is always kept (in the last slot). Thread-safe.
 */
final class Series {
    private final int max;
    private final List<double[]> points = new ArrayList<>();
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
        if (!points.isEmpty() && (seen - 1) % stride != 0) {
            points.set(points.size() - 1, new double[] {x, value}); // keep the latest in the last slot
            return;
        }
        points.add(new double[] {x, value});
        if (points.size() > max) {
            List<double[]> kept = new ArrayList<>(max / 2 + 2);
            for (int i = 0; i < points.size(); i += 2) {
                kept.add(points.get(i));
            }
            if (kept.get(kept.size() - 1) != points.get(points.size() - 1)) {
                kept.add(points.get(points.size() - 1));
            }
            points.clear();
            points.addAll(kept);
            stride *= 2;
        }
    }

    /** The points in x order (a value logged twice for one x: the later one). */
    synchronized Points points() {
        double[][] sorted = points.toArray(new double[0][]);
        Arrays.sort(sorted, (a, b) -> Double.compare(a[0], b[0])); // stable: equal x keep arrival order
        int n = 0;
        double[] x = new double[sorted.length], y = new double[sorted.length];
        for (double[] p : sorted) {
            if (n > 0 && x[n - 1] == p[0]) {
                y[n - 1] = p[1];
                continue;
            }
            x[n] = p[0];
            y[n] = p[1];
            n++;
        }
        return Points.of(Arrays.copyOf(x, n), Arrays.copyOf(y, n));
    }

    synchronized int size() {
        return points.size();
    }

    /** The reservoir's whole state, in arrival order. */
    synchronized MutableRunLog.SeriesState state() {
        double[] x = new double[points.size()], y = new double[points.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = points.get(i)[0];
            y[i] = points.get(i)[1];
        }
        return new MutableRunLog.SeriesState(x, y, stride, seen);
    }

    /** Puts back a state from {@link #state()}, so a resumed run thins exactly as the uninterrupted one would. */
    synchronized void restore(MutableRunLog.SeriesState s) {
        double[] x = s.x(), y = s.y();
        if (x.length != y.length || x.length > max || s.stride() < 1 || s.seen() < x.length) {
            throw new IllegalArgumentException("inconsistent series: " + x.length + " x, " + y.length + " values, stride "
                    + s.stride() + ", seen " + s.seen() + ", at most " + max + " points");
        }
        points.clear();
        for (int i = 0; i < x.length; i++) {
            points.add(new double[] {x[i], y[i]});
        }
        this.stride = s.stride();
        this.seen = s.seen();
    }
}
