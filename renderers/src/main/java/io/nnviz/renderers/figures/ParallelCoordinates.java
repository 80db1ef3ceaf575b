package io.nnviz.renderers.figures;

import io.nnviz.renderers.Figure;
import io.nnviz.renderers.canvas.Anchor;
import io.nnviz.renderers.canvas.Canvas;
import io.nnviz.renderers.canvas.Num;
import io.nnviz.renderers.canvas.TextStyle;
import io.nnviz.renderers.canvas.Xml;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

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
    private record Line(String name, double[] values) {
    }

    private final String title;
    private final List<String> axes;
    private final List<Line> lines = new ArrayList<>();

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

    /** Adds a line: one value per axis (NaN where it has none), copied. */
    public ParallelCoordinates line(String name, double[] values) {
        if (values.length != axes.size()) {
            throw new IllegalArgumentException("line '" + name + "': " + values.length + " values for " + axes.size() + " axes");
        }
        lines.add(new Line(Objects.requireNonNull(name, "name"), values.clone()));
        return this;
    }

    /** Builds the figure. */
    public Figure build() {
        int k = axes.size();
        double[] lo = new double[k], hi = new double[k];
        for (int a = 0; a < k; a++) {
            lo[a] = Double.POSITIVE_INFINITY;
            hi[a] = Double.NEGATIVE_INFINITY;
            for (Line l : lines) {
                if (Double.isFinite(l.values[a])) {
                    lo[a] = Math.min(lo[a], l.values[a]);
                    hi[a] = Math.max(hi[a], l.values[a]);
                }
            }
        }
        double left = 60, gap = 150, top = 46, bottom = 300, width = left * 2 + gap * (k - 1) + 120, height = bottom + 50;
        return new SizedFigure(width, height, title) {
            @Override
            public void draw(Canvas c) {
                c.text(12, 20, Xml.abbreviate(title, 100), TextStyle.of(14).asBold());
                c.beginGroup("axes", "axes");
                for (int a = 0; a < k; a++) {
                    double x = left + a * gap;
                    c.line(x, top, x, bottom, 0xFF888888, 1);
                    c.text(x, top - 12, Xml.abbreviate(axes.get(a), 24), TextStyle.of(10).asBold().anchor(Anchor.MIDDLE));
                    if (lo[a] <= hi[a]) {
                        c.text(x, bottom + 14, Num.label(lo[a]), TextStyle.of(9).color(0xFF444444).anchor(Anchor.MIDDLE));
                        c.text(x, top - 2, Num.label(hi[a]), TextStyle.of(9).color(0xFF444444).anchor(Anchor.MIDDLE));
                    }
                }
                c.endGroup();
                for (int i = 0; i < lines.size(); i++) {
                    Line l = lines.get(i);
                    int color = LineChart.PALETTE[i % LineChart.PALETTE.length];
                    c.beginGroup(l.name, "series");
                    double[] xs = new double[k], ys = new double[k];
                    int n = 0;
                    for (int a = 0; a <= k; a++) {
                        boolean ok = a < k && Double.isFinite(l.values[a]);
                        if (ok) {
                            double t = hi[a] > lo[a] ? (l.values[a] - lo[a]) / (hi[a] - lo[a]) : 0.5;
                            xs[n] = left + a * gap;
                            ys[n] = bottom - t * (bottom - top);
                            n++;
                        } else if (n > 0) {
                            c.path(xs, ys, n, 0, color, 1.8, false, false);
                            n = 0;
                        }
                    }
                    c.endGroup();
                    c.beginGroup("legend: " + l.name, "legend");
                    double ly = top + 8 + i * 16;
                    c.line(left + gap * (k - 1) + 24, ly, left + gap * (k - 1) + 42, ly, color, 2.5);
                    c.text(left + gap * (k - 1) + 47, ly + 4, Xml.abbreviate(l.name, 14), TextStyle.of(10));
                    c.endGroup();
                }
            }
        };
    }
}
