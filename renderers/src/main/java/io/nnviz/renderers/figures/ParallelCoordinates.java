package io.nnviz.renderers.figures;

import io.nnviz.renderers.Figure;
import io.nnviz.renderers.canvas.Anchor;
import io.nnviz.renderers.canvas.Canvas;
import io.nnviz.renderers.canvas.Num;
import io.nnviz.renderers.canvas.TextStyle;
import io.nnviz.renderers.canvas.Xml;
import io.nnviz.renderers.color.Colormaps;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A parallel-coordinates plot, as sweep tools draw one: a vertical axis per quantity (the
 * hyperparameters, then the metric), each from its smallest to its largest value over the lines,
 * and one line per run through its values, in the run's colour and named by it (so a viewer can
 * hide a run). A missing value breaks the line there.
 *
 * <pre>{@code
 * ParallelCoordinates.of("sweep", List.of("lr", "batch", "accuracy")).line("run 1", new double[] {0.01, 32, 0.91}).build();
 * }</pre>
 */
public final class ParallelCoordinates {
    /** A line; its colour, or 0 for the next of {@link Colormaps#category}. */
    private record Line(String name, double[] values, int color) {
    }

    private final String title;
    private final List<String> axes;
    private final List<Line> lines = new ArrayList<>();
    private final Set<String> logAxes = new HashSet<>();

    private ParallelCoordinates(String title, List<String> axes) {
        this.title = Objects.requireNonNull(title, "title");
        if (axes.size() < 2) {
            throw new IllegalArgumentException("parallel coordinates need two axes or more, got " + axes);
        }
        this.axes = List.copyOf(axes);
    }

    /** A plot with these axes, left to right. */
    public static ParallelCoordinates of(String title, List<String> axes) {
        return new ParallelCoordinates(title, axes);
    }

    /**
     * Draws {@code axis} on a log10 scale (learning rates, weight decays: values over decades);
     * a value of zero or less has no place on it and is treated as missing.
     */
    public ParallelCoordinates logAxis(String axis) {
        if (!axes.contains(axis)) {
            throw new IllegalArgumentException("no axis '" + axis + "' among " + axes);
        }
        logAxes.add(axis);
        return this;
    }

    /** Adds a line: one value per axis (NaN where it has none), copied. */
    public ParallelCoordinates line(String name, double[] values) {
        return line(name, values, 0);
    }

    /** As {@link #line(String, double[])}, in colour {@code argb} (0: the next colour): a run's own colour in a comparison. */
    public ParallelCoordinates line(String name, double[] values, int argb) {
        if (values.length != axes.size()) {
            throw new IllegalArgumentException("line '" + name + "': " + values.length + " values for " + axes.size() + " axes");
        }
        lines.add(new Line(Objects.requireNonNull(name, "name"), values.clone(), argb));
        return this;
    }

    /** Builds the figure. */
    public Figure build() {
        int k = axes.size();
        double[] lo = new double[k], hi = new double[k];
        boolean[] log = new boolean[k];
        for (int a = 0; a < k; a++) {
            lo[a] = Double.POSITIVE_INFINITY;
            hi[a] = Double.NEGATIVE_INFINITY;
            log[a] = logAxes.contains(axes.get(a));
            for (Line l : lines) {
                if (placed(l.values[a], log[a])) {
                    lo[a] = Math.min(lo[a], l.values[a]);
                    hi[a] = Math.max(hi[a], l.values[a]);
                }
            }
        }
        double width = 60 * 2 + 150 * (k - 1) + 120;
        Caption head = Caption.title(title, width - 24);
        double left = 60, gap = 150, top = 46 + head.extra(), bottom = 300 + head.extra(), height = bottom + 50;
        return new SizedFigure(width, height, title) {
            @Override
            public void draw(Canvas c) {
                head.drawTitle(c, 12);
                c.beginGroup("axes", "axes");
                for (int a = 0; a < k; a++) {
                    double x = left + a * gap;
                    c.line(x, top, x, bottom, 0xFF888888, 1);
                    c.text(x, top - 12, Xml.abbreviate(axes.get(a), 24) + (log[a] ? " (log)" : ""), TextStyle.of(10).asBold().anchor(Anchor.MIDDLE));
                    if (lo[a] <= hi[a]) {
                        String[] ends = Num.axisLabels(new double[] {lo[a], hi[a]}, log[a]); // the axis's two ends in one format
                        c.text(x, bottom + 14, ends[0], TextStyle.of(9).color(0xFF444444).anchor(Anchor.MIDDLE));
                        c.text(x, top - 2, ends[1], TextStyle.of(9).color(0xFF444444).anchor(Anchor.MIDDLE));
                    }
                }
                c.endGroup();
                for (int i = 0; i < lines.size(); i++) {
                    Line l = lines.get(i);
                    int color = l.color != 0 ? l.color : Colormaps.category(i);
                    c.beginGroup(l.name, "series");
                    double[] xs = new double[k], ys = new double[k];
                    int n = 0;
                    for (int a = 0; a <= k; a++) {
                        boolean ok = a < k && placed(l.values[a], log[a]);
                        if (ok) {
                            double t = hi[a] > lo[a] ? log[a] ? Math.log10(l.values[a] / lo[a]) / Math.log10(hi[a] / lo[a])
                                    : (l.values[a] - lo[a]) / (hi[a] - lo[a]) : 0.5;
                            xs[n] = left + a * gap;
                            ys[n] = bottom - t * (bottom - top);
                            n++;
                        } else if (n > 0) {
                            c.path(xs, ys, n, 0, color, 1.8, false, false);
                            n = 0;
                        }
                    }
                    c.endGroup();
                    double ly = top + 8 + i * 16;
                    if (ly > bottom + 30) { // the legend is full: the lines are drawn, the rest of the names counted
                        if (ly - 16 <= bottom + 30) {
                            c.text(left + gap * (k - 1) + 24, ly + 4, "+" + (lines.size() - i) + " more", TextStyle.of(10).color(0xFF666666));
                        }
                        continue;
                    }
                    c.beginGroup("legend: " + l.name, "legend");
                    c.line(left + gap * (k - 1) + 24, ly, left + gap * (k - 1) + 42, ly, color, 2.5);
                    c.text(left + gap * (k - 1) + 47, ly + 4, Xml.abbreviate(l.name, 14), TextStyle.of(10));
                    c.endGroup();
                }
            }
        };
    }

    private static boolean placed(double v, boolean log) {
        return Double.isFinite(v) && (!log || v > 0);
    }
}
