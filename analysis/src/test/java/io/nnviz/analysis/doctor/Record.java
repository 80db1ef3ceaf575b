package io.nnviz.analysis.doctor;

import io.nnviz.analysis.Curve;
import io.nnviz.api.Histogram;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A training record built by hand, for the edge cases of a rule's arithmetic. */
final class Record implements TrainingRecord {
    private final Map<String, Curve> steps = new LinkedHashMap<>(), epochs = new LinkedHashMap<>();
    private final Map<String, List<StepHistogram>> histograms = new LinkedHashMap<>();
    private int classes;

    Record step(String name, double[] x, double[] y) {
        steps.put(name, Curve.of(x, y));
        return this;
    }

    /** A step series at steps 1, 2, 3, ... */
    Record step(String name, double... y) {
        double[] x = new double[y.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = i + 1;
        }
        return step(name, x, y);
    }

    /** An epoch series at epochs 0, 1, 2, ... */
    Record epoch(String name, double... y) {
        double[] x = new double[y.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = i;
        }
        epochs.put(name, Curve.of(x, y));
        return this;
    }

    Record histogram(String key, long step, Histogram h) {
        histograms.computeIfAbsent(key, k -> new ArrayList<>()).add(new StepHistogram(step, h));
        return this;
    }

    Record classes(int k) {
        classes = k;
        return this;
    }

    @Override
    public List<String> stepSeriesNames() {
        return List.copyOf(steps.keySet());
    }

    @Override
    public Curve stepSeries(String name) {
        return steps.getOrDefault(name, Curve.empty());
    }

    @Override
    public List<String> epochSeriesNames() {
        return List.copyOf(epochs.keySet());
    }

    @Override
    public Curve epochSeries(String name) {
        return epochs.getOrDefault(name, Curve.empty());
    }

    @Override
    public List<String> histogramKeys() {
        return List.copyOf(histograms.keySet());
    }

    @Override
    public List<StepHistogram> histograms(String key) {
        return histograms.getOrDefault(key, List.of());
    }

    @Override
    public int classes() {
        return classes;
    }

    @Override
    public long lastStep() {
        return steps.values().stream().filter(c -> !c.isEmpty()).mapToLong(c -> (long) c.x(c.size() - 1)).max().orElse(0);
    }

    /** {@code n} values from {@code from} to {@code to}, evenly. */
    static double[] ramp(int n, double from, double to) {
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            y[i] = from + (to - from) * i / Math.max(1, n - 1);
        }
        return y;
    }

    /** {@code n} copies of {@code v}. */
    static double[] flat(int n, double v) {
        return ramp(n, v, v);
    }

    static double[] concat(double[]... parts) {
        int n = 0;
        for (double[] p : parts) {
            n += p.length;
        }
        double[] out = new double[n];
        int at = 0;
        for (double[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
