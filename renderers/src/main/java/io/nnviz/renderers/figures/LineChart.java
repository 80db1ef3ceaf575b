package io.nnviz.renderers.figures;

import io.nnviz.renderers.Figure;
import io.nnviz.renderers.canvas.Canvas;
import io.nnviz.renderers.canvas.TextStyle;
import io.nnviz.renderers.canvas.Xml;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Training curves: several series of (step, value), with axes, ticks, a legend and a title;
 * optional log scale and TensorBoard-style exponential smoothing (the raw series stays visible,
 * faint, under the smoothed one). Non-finite values break the line and are counted in a caption.
 *
 * <pre>{@code
 * Figure f = LineChart.titled("Loss").xLabel("step").series("train", steps, loss).smoothing(0.6).build();
 * }</pre>
 */
public final class LineChart {
    static final int[] PALETTE = {0xFF1F77B4, 0xFFFF7F0E, 0xFF2CA02C, 0xFFD62728, 0xFF9467BD, 0xFF8C564B,
            0xFFE377C2, 0xFF7F7F7F, 0xFFBCBD22, 0xFF17BECF};

    private record Series(String name, double[] x, double[] y) {
    }

    private final String title;
    private final List<Series> series = new ArrayList<>();
    private String xLabel = "step", yLabel = "";
    private boolean logY;
    private double smoothing;
    private double width = 560, height = 320;

    private LineChart(String title) {
        this.title = Objects.requireNonNull(title, "title");
    }

    /** A chart with a title. */
    public static LineChart titled(String title) {
        return new LineChart(title);
    }

    /** Adds a series; {@code x} and {@code y} have equal length (copied). */
    public LineChart series(String name, double[] x, double[] y) {
        if (x.length != y.length) {
            throw new IllegalArgumentException("series '" + name + "': " + x.length + " x values but " + y.length + " y values");
        }
        series.add(new Series(Objects.requireNonNull(name, "name"), x.clone(), y.clone()));
        return this;
    }

    /** Adds a series with x = its steps given as longs. */
    public LineChart series(String name, long[] steps, double[] y) {
        double[] x = new double[steps.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = steps[i];
        }
        return series(name, x, y);
    }

    /** X axis label. */
    public LineChart xLabel(String s) {
        this.xLabel = Objects.requireNonNull(s);
        return this;
    }

    /** Y axis label. */
    public LineChart yLabel(String s) {
        this.yLabel = Objects.requireNonNull(s);
        return this;
    }

    /** Log10 y axis (non-positive values are left out and counted). */
    public LineChart logY(boolean on) {
        this.logY = on;
        return this;
    }

    /** Exponential moving average weight in [0, 1) (TensorBoard's slider; 0 = off). */
    public LineChart smoothing(double w) {
        if (w < 0 || w >= 1) {
            throw new IllegalArgumentException("smoothing must be in [0, 1), got " + w);
        }
        this.smoothing = w;
        return this;
    }

    /** Size in user units (default 560 x 320). */
    public LineChart size(double w, double h) {
        this.width = w;
        this.height = h;
        return this;
    }

    /** Debiased EMA as TensorBoard computes it; non-finite points stay non-finite and do not update it. */
    static double[] smooth(double[] y, double w) {
        double[] out = new double[y.length];
        double last = 0;
        int n = 0;
        for (int i = 0; i < y.length; i++) {
            if (!Double.isFinite(y[i])) {
                out[i] = y[i];
                continue;
            }
            last = last * w + (1 - w) * y[i];
            n++;
            out[i] = last / (1 - Math.pow(w, n));
        }
        return out;
    }

    /** Builds the figure. */
    public Figure build() {
        double xmin = Double.POSITIVE_INFINITY, xmax = Double.NEGATIVE_INFINITY;
        double ymin = Double.POSITIVE_INFINITY, ymax = Double.NEGATIVE_INFINITY;
        long dropped = 0;
        for (Series s : series) {
            for (int i = 0; i < s.x.length; i++) {
                double y = s.y[i];
                if (!Double.isFinite(y) || !Double.isFinite(s.x[i]) || logY && y <= 0) {
                    dropped++;
                    continue;
                }
                xmin = Math.min(xmin, s.x[i]);
                xmax = Math.max(xmax, s.x[i]);
                ymin = Math.min(ymin, y);
                ymax = Math.max(ymax, y);
            }
        }
        boolean empty = !(xmax >= xmin);
        Axis ax = empty ? Axis.of(0, 1, false, 6) : Axis.of(xmin, xmax, false, 6);
        Axis ay = empty ? Axis.of(0, 1, false, 5) : Axis.of(ymin, ymax, logY, 5);
        String caption = (empty ? "No finite values to plot. " : "")
                + (dropped > 0 && !empty ? dropped + " non-finite" + (logY ? " or non-positive" : "") + " values left out. " : "");
        return new SizedFigure(width, height, title) {
            @Override
            public void draw(Canvas c) {
                double left = 62, right = width - 140, top = 34, bottom = height - 46;
                c.text(12, 20, Xml.abbreviate(title, 80), TextStyle.of(14).asBold());
                PlotFrame frame = new PlotFrame(ax, ay, left, right, top, bottom);
                frame.draw(c, xLabel, yLabel, height);
                for (int k = 0; k < series.size(); k++) {
                    Series s = series.get(k);
                    int color = PALETTE[k % PALETTE.length];
                    c.beginGroup(s.name, "series");
                    if (smoothing > 0) {
                        line(c, s.x, s.y, (color & 0x00FFFFFF) | 0x55000000, 1, left, right, top, bottom);
                        line(c, s.x, smooth(s.y, smoothing), color, 1.8, left, right, top, bottom);
                    } else {
                        line(c, s.x, s.y, color, 1.6, left, right, top, bottom);
                    }
                    c.endGroup();
                    double ly = top + 8 + k * 16;
                    c.beginGroup("legend: " + s.name, "legend");
                    c.line(right + 12, ly, right + 30, ly, color, 2.5);
                    c.text(right + 35, ly + 4, Xml.abbreviate(s.name, 16), TextStyle.of(10));
                    c.endGroup();
                }
                if (!caption.isEmpty()) {
                    c.text(left, height - 2, caption.trim(), TextStyle.of(10).color(0xFF8A1C1C));
                }
            }

            private void line(Canvas c, double[] xs, double[] ys, int color, double w, double l, double r, double t, double b) {
                double[] px = new double[xs.length], py = new double[xs.length];
                int n = 0;
                for (int i = 0; i <= xs.length; i++) {
                    boolean ok = i < xs.length && Double.isFinite(ys[i]) && !(logY && ys[i] <= 0);
                    if (ok) {
                        px[n] = l + ax.frac(xs[i]) * (r - l);
                        py[n] = b - ay.frac(ys[i]) * (b - t);
                        n++;
                    } else if (n > 0) {
                        c.path(px, py, n, 0, color, w, false, false);
                        n = 0;
                    }
                }
            }
        };
    }
}
