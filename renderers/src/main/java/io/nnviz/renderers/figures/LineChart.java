package io.nnviz.renderers.figures;

import io.nnviz.renderers.Figure;
import io.nnviz.renderers.canvas.Canvas;
import io.nnviz.renderers.canvas.Num;
import io.nnviz.renderers.canvas.TextStyle;
import io.nnviz.renderers.color.Colormaps;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Training curves: several series of (step, value), with axes, ticks, a legend and a title;
 * optional log scale and TensorBoard-style exponential smoothing (the raw series stays visible,
 * faint, under the smoothed one). Non-finite values break the line and are counted in a caption.
 * Points are drawn in x order whatever order they were given in. With {@link #markers(boolean)}
 * each point gets a marker whose tooltip says its series, x and value (epoch charts).
 *
 * <pre>{@code
 * Figure f = LineChart.titled("Loss").xLabel("step").series("train", steps, loss).smoothing(0.6).build();
 * }</pre>
 */
public final class LineChart {
    /** A series; its colour, or 0 for the next of {@link Colormaps#category}. */
    private record Series(String name, double[] x, double[] y, int color) {
    }

    private final String title;
    private final List<Series> series = new ArrayList<>();
    private String xLabel = "step", yLabel = "";
    private boolean logY, markers, integerX;
    private double smoothing;
    private double width = 560, height = 320;

    private LineChart(String title) {
        this.title = Objects.requireNonNull(title, "title");
    }

    /** A chart with a title. */
    public static LineChart titled(String title) {
        return new LineChart(title);
    }

    /** Adds a series in the next colour; {@code x} and {@code y} have equal length (copied). */
    public LineChart series(String name, double[] x, double[] y) {
        return series(name, x, y, 0);
    }

    /**
     * Adds a series in colour {@code argb} (0: the next colour): a run's own colour in every chart
     * of a comparison, whether or not the charts before had it.
     */
    public LineChart series(String name, double[] x, double[] y, int argb) {
        if (x.length != y.length) {
            throw new IllegalArgumentException("series '" + name + "': " + x.length + " x values but " + y.length + " y values");
        }
        Objects.requireNonNull(name, "name");
        double[] xs = x.clone(), ys = y.clone();
        if (!ascending(xs)) { // drawn in x order; equal x keep their order
            Integer[] order = new Integer[xs.length];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            Arrays.sort(order, (a, b) -> Double.compare(x[a], x[b]));
            for (int i = 0; i < order.length; i++) {
                xs[i] = x[order[i]];
                ys[i] = y[order[i]];
            }
        }
        series.add(new Series(name, xs, ys, argb));
        return this;
    }

    private static boolean ascending(double[] x) {
        for (int i = 1; i < x.length; i++) {
            if (x[i] < x[i - 1]) {
                return false;
            }
        }
        return true;
    }

    /** X values are whole numbers (epochs): ticks only at integers (default off). */
    public LineChart integerX(boolean on) {
        this.integerX = on;
        return this;
    }

    /** A marker on every point, with a tooltip giving its series, x and value (default off). */
    public LineChart markers(boolean on) {
        this.markers = on;
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

    /** A value as a tooltip shows it: enough digits to tell close values apart. */
    static String value(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : String.format(Locale.ROOT, "%.6g", v);
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

    /** The legend's labels' style, and the widest a label is drawn (wider ones end in an ellipsis; the whole is its group's name, on hover). */
    private static final TextStyle LEGEND = TextStyle.of(10);
    private static final double MAX_LABEL = 190;

    /** The room right of the plot: the legend's swatch and its widest label, at least the old fixed 140 units. */
    private double legendWidth() {
        double widest = 0;
        for (Series s : series) {
            widest = Math.max(widest, Math.min(MAX_LABEL, LEGEND.width(s.name)));
        }
        return Math.max(140, 35 + widest + 16); // 16: room for the font drawn a little wider than measured
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
        Axis ax = empty ? Axis.of(0, 1, false, 6) : integerX ? Axis.integers(xmin, xmax, 6) : Axis.of(xmin, xmax, false, 6);
        Axis ay = empty ? Axis.of(0, 1, false, 5) : Axis.of(ymin, ymax, logY, 5);
        String caption = (empty ? "No finite values to plot. " : "")
                + (dropped > 0 && !empty ? dropped + " non-finite" + (logY ? " or non-positive" : "") + " values left out. " : "");
        Caption lines = Caption.of(caption, width - 74, 0xFF8A1C1C);
        double extra = Math.max(0, lines.height() - Caption.LINE_H); // one line fits below the axis title already
        Caption head = Caption.title(title, width - 24);
        double dy = head.extra(), h = height + dy; // a title of two lines pushes the plot down, at the plot's height
        return new SizedFigure(width, h + extra, title) {
            @Override
            public void draw(Canvas c) {
                // with markers, the values are drawn a marker's width inside the frame: a point at an end shows whole
                double pad = markers ? 5 : 0;
                double left = PlotFrame.left(ay) + pad, right = width - legendWidth() - pad, top = 34 + dy + pad, bottom = h - 46 - pad;
                head.drawTitle(c, 12);
                PlotFrame frame = new PlotFrame(ax, ay, left, right, top, bottom, pad);
                frame.draw(c, xLabel, yLabel, h);
                for (int k = 0; k < series.size(); k++) {
                    Series s = series.get(k);
                    int color = s.color != 0 ? s.color : Colormaps.category(k);
                    c.beginGroup(s.name, "series", Map.of("points", hoverPoints(s, left, right, top, bottom)));
                    if (smoothing > 0) {
                        line(c, s.x, s.y, (color & 0x00FFFFFF) | 0x55000000, 1, left, right, top, bottom);
                        line(c, s.x, smooth(s.y, smoothing), color, 1.8, left, right, top, bottom);
                    } else {
                        line(c, s.x, s.y, color, 1.6, left, right, top, bottom);
                    }
                    if (markers) {
                        marks(c, s, color, left, right, top, bottom);
                    }
                    c.endGroup();
                    double ly = top + 8 + k * 16;
                    if (ly > bottom - 8 && k < series.size() - 1) { // the legend is full: say how many are left out
                        c.text(right + pad + 12, ly + 4, "+" + (series.size() - k) + " more", TextStyle.of(10).color(0xFF666666));
                        for (int rest = k + 1; rest < series.size(); rest++) {
                            Series r = series.get(rest);
                            c.beginGroup(r.name, "series");
                            line(c, r.x, smoothing > 0 ? smooth(r.y, smoothing) : r.y, r.color != 0 ? r.color : Colormaps.category(rest), 1.4, left, right, top, bottom);
                            c.endGroup();
                        }
                        break;
                    }
                    c.beginGroup("legend: " + s.name, "legend");
                    c.line(right + pad + 12, ly, right + pad + 30, ly, color, 2.5);
                    c.text(right + pad + 35, ly + 4, Caption.fit(s.name, LEGEND, MAX_LABEL), LEGEND);
                    c.endGroup();
                }
                lines.draw(c, left, h - 2);
            }

            private void marks(Canvas c, Series s, int color, double l, double r, double t, double b) {
                for (int i = 0; i < s.x.length; i++) {
                    double y = s.y[i];
                    if (!Double.isFinite(y) || !Double.isFinite(s.x[i]) || logY && y <= 0) {
                        continue;
                    }
                    double px = l + ax.frac(s.x[i]) * (r - l), py = b - ay.frac(y) * (b - t);
                    c.beginGroup(s.name + " at " + xLabel + " " + Axis.label(s.x[i]) + ": " + value(y), "point");
                    c.rect(px - 3, py - 3, 6, 6, color, 0xFFFFFFFF, 1);
                    c.endGroup();
                }
            }

            /**
             * The series for the report's hover readout: "px py x y" per point, in the figure's user
             * units and the data's values, at most 2,000 points (evenly thinned, the last kept).
             */
            private String hoverPoints(Series s, double l, double r, double t, double b) {
                StringBuilder sb = new StringBuilder();
                int every = Math.max(1, (s.x.length + 1999) / 2000);
                for (int i = 0; i < s.x.length; i++) {
                    boolean last = i == s.x.length - 1;
                    if (i % every != 0 && !last || !Double.isFinite(s.y[i]) || logY && s.y[i] <= 0) {
                        continue;
                    }
                    sb.append(sb.length() == 0 ? "" : ";").append(String.format(Locale.ROOT, "%.1f %.1f ", l + ax.frac(s.x[i]) * (r - l),
                            b - ay.frac(s.y[i]) * (b - t))).append(Axis.label(s.x[i])).append(' ').append(Num.label(s.y[i]));
                }
                return sb.toString();
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
