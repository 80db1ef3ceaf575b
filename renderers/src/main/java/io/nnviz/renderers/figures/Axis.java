package io.nnviz.renderers.figures;

import io.nnviz.renderers.canvas.Num;

import java.util.ArrayList;
import java.util.List;

/** A numeric axis: "nice" tick values (1, 2, 5 x 10^k) over a range, linear or log10. */
record Axis(double min, double max, boolean log, double[] ticks) {

    static Axis of(double lo, double hi, boolean log, int target) {
        if (log) {
            double a = Math.floor(Math.log10(lo > 0 ? lo : 1e-12)), b = Math.ceil(Math.log10(hi > 0 ? hi : 1));
            if (b <= a) {
                b = a + 1;
            }
            int n = (int) (b - a) + 1;
            int step = Math.max(1, n / target);
            List<Double> t = new ArrayList<>();
            for (double e = a; e <= b; e += step) {
                t.add(Math.pow(10, e));
            }
            return new Axis(Math.pow(10, a), Math.pow(10, b), true, t.stream().mapToDouble(Double::doubleValue).toArray());
        }
        if (!(hi > lo)) {
            double c = Double.isFinite(lo) ? lo : 0, d = c == 0 ? 1 : Math.abs(c) * 0.1;
            lo = c - d;
            hi = c + d;
        }
        double raw = (hi - lo) / Math.max(1, target);
        double mag = Math.pow(10, Math.floor(Math.log10(raw)));
        double norm = raw / mag;
        double step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
        double start = Math.floor(lo / step) * step, end = Math.ceil(hi / step) * step;
        int n = (int) Math.round((end - start) / step) + 1;
        double[] t = new double[n];
        for (int i = 0; i < n; i++) {
            t[i] = start + i * step;
        }
        return new Axis(start, end, false, t);
    }

    /**
     * A linear axis of whole numbers (epochs, steps): ticks never fall between two integers; a
     * single value gets a range of one on each side.
     */
    static Axis integers(double lo, double hi, int target) {
        if (!(hi > lo)) {
            lo = Math.floor(lo) - 1;
            hi = Math.ceil(hi) + 1;
        }
        Axis a = of(lo, hi, false, target);
        double step = a.ticks.length > 1 ? a.ticks[1] - a.ticks[0] : 1;
        if (step >= 1) {
            return a;
        }
        double start = Math.floor(lo), end = Math.ceil(hi);
        double[] t = new double[(int) (end - start) + 1];
        for (int i = 0; i < t.length; i++) {
            t[i] = start + i;
        }
        return new Axis(start, end, false, t);
    }

    /** Position of {@code v} in [0, 1] along the axis. */
    double frac(double v) {
        if (log) {
            double lv = Math.log10(Math.max(v, min));
            return (lv - Math.log10(min)) / (Math.log10(max) - Math.log10(min));
        }
        return (v - min) / (max - min);
    }

    /** The ticks' labels, in one format for the whole axis ({@link Num#axisLabels}). */
    String[] tickLabels() {
        return Num.axisLabels(ticks, log);
    }

    /** One value as a tooltip or a hover readout says it (not a tick: ticks take {@link #tickLabels}). */
    static String label(double v) {
        return Num.label(Math.abs(v) < 1e-12 ? 0 : v);
    }
}
