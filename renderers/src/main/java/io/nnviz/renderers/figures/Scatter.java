package io.nnviz.renderers.figures;

import io.nnviz.api.Tensor;
import io.nnviz.renderers.Figure;
import io.nnviz.renderers.canvas.Canvas;
import io.nnviz.renderers.canvas.Num;
import io.nnviz.renderers.canvas.TextStyle;
import io.nnviz.renderers.canvas.Xml;
import io.nnviz.renderers.color.Colormaps;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Points on two axes: regression results (predicted against true, with the identity line and the
 * error summary) or a 2-D embedding coloured by class.
 *
 * <pre>{@code
 * Figure reg = Scatter.predictedVsTrue(truth, predicted).title("Price").build();
 * Figure emb = Scatter.embedding(xy, labels, List.of("T-shirt", "Trouser", ...)).build();
 * }</pre>
 * Non-finite points are left out and counted in a caption. Above {@link #maxPoints} points, an
 * even subsample is drawn (the caption says so), so the SVG stays small.
 */
public final class Scatter {
    /** A set of points; its colour, or 0 for the next of {@link Colormaps#category}. */
    private record Group(String name, double[] x, double[] y, int color) {
    }

    private String title;
    private final List<Group> groups = new ArrayList<>();
    private String xLabel = "", yLabel = "";
    private boolean identity, logX;
    private String summary = "";
    private int maxPoints = 20_000;
    private double width = 520, height = 440, marker = 3;

    private Scatter(String title) {
        this.title = title;
    }

    /** An empty scatter plot; add point sets with {@link #points}. */
    public static Scatter titled(String title) {
        return new Scatter(Objects.requireNonNull(title, "title"));
    }

    /**
     * Regression results: each sample's true value on x, the prediction on y, the line y = x, and
     * the mean absolute error, RMSE and R² in the caption.
     */
    public static Scatter predictedVsTrue(double[] truth, double[] predicted) {
        Scatter s = new Scatter("Predicted vs true").axes("true", "predicted").points("samples", truth, predicted);
        s.identity = true;
        double se = 0, ae = 0, mean = 0, n = 0;
        for (int i = 0; i < truth.length; i++) {
            if (Double.isFinite(truth[i]) && Double.isFinite(predicted[i])) {
                mean += truth[i];
                n++;
            }
        }
        mean = n == 0 ? 0 : mean / n;
        double ss = 0;
        for (int i = 0; i < truth.length; i++) {
            if (Double.isFinite(truth[i]) && Double.isFinite(predicted[i])) {
                double e = predicted[i] - truth[i];
                se += e * e;
                ae += Math.abs(e);
                ss += (truth[i] - mean) * (truth[i] - mean);
            }
        }
        if (n > 0) {
            s.summary = "n=" + (long) n + "  MAE " + Num.label(ae / n) + "  RMSE " + Num.label(Math.sqrt(se / n))
                    + (ss > 0 ? "  R\u00b2 " + Num.label(1 - se / ss) : "");
        }
        return s;
    }

    /**
     * A 2-D embedding {@code [N, 2]} (from t-SNE, UMAP, PCA or a 2-unit layer) with one colour per
     * class; {@code labels[i]} indexes {@code classes}.
     */
    public static Scatter embedding(Tensor xy, int[] labels, List<String> classes) {
        if (xy.rank() != 2 || xy.shape().dim(1) != 2) {
            throw new IllegalArgumentException("an embedding needs points [N, 2], got " + xy.shape());
        }
        int n = xy.shape().dim(0);
        if (labels.length != n) {
            throw new IllegalArgumentException(n + " points but " + labels.length + " labels");
        }
        int[] counts = new int[classes.size()];
        for (int i = 0; i < n; i++) {
            if (labels[i] < 0 || labels[i] >= classes.size()) {
                throw new IllegalArgumentException("label " + labels[i] + " of point " + i + " is not a class index 0.."
                        + (classes.size() - 1));
            }
            counts[labels[i]]++;
        }
        Scatter s = new Scatter("Embedding by class").axes("dimension 1", "dimension 2");
        for (int k = 0; k < classes.size(); k++) {
            double[] x = new double[counts[k]], y = new double[counts[k]];
            int m = 0;
            for (int i = 0; i < n; i++) {
                if (labels[i] == k) {
                    x[m] = xy.get(i, 0);
                    y[m++] = xy.get(i, 1);
                }
            }
            s.points(classes.get(k), x, y);
        }
        return s;
    }

    /** Adds a set of points drawn in the next colour with a legend entry (arrays copied). */
    public Scatter points(String name, double[] x, double[] y) {
        return points(name, x, y, 0);
    }

    /** Adds a set of points in colour {@code argb} (0: the next colour), with a legend entry: a run's own colour in a comparison. */
    public Scatter points(String name, double[] x, double[] y, int argb) {
        if (x.length != y.length) {
            throw new IllegalArgumentException("points '" + name + "': " + x.length + " x values but " + y.length + " y values");
        }
        groups.add(new Group(Objects.requireNonNull(name, "name"), x.clone(), y.clone(), argb));
        return this;
    }

    /** Title. */
    public Scatter title(String t) {
        this.title = Objects.requireNonNull(t, "title");
        return this;
    }

    /** Axis titles. */
    public Scatter axes(String x, String y) {
        this.xLabel = Objects.requireNonNull(x);
        this.yLabel = Objects.requireNonNull(y);
        return this;
    }

    /** Draws x on a log10 scale (a learning rate over decades); points at x of zero or less are left out and counted. */
    public Scatter logX(boolean on) {
        this.logX = on;
        return this;
    }

    /** Draws the line y = x (on for {@link #predictedVsTrue}). */
    public Scatter identityLine(boolean on) {
        this.identity = on;
        return this;
    }

    /** Most points drawn; more are subsampled evenly (default 20,000). */
    public Scatter maxPoints(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("maxPoints < 1: " + n);
        }
        this.maxPoints = n;
        return this;
    }

    /** Size in user units (default 520 x 440). */
    public Scatter size(double w, double h) {
        this.width = w;
        this.height = h;
        return this;
    }

    /** Builds the figure. */
    public Figure build() {
        double xmin = Double.POSITIVE_INFINITY, xmax = Double.NEGATIVE_INFINITY;
        double ymin = Double.POSITIVE_INFINITY, ymax = Double.NEGATIVE_INFINITY;
        long total = 0, dropped = 0;
        for (Group g : groups) {
            for (int i = 0; i < g.x.length; i++) {
                if (!shown(g.x[i], g.y[i])) {
                    dropped++;
                    continue;
                }
                total++;
                xmin = Math.min(xmin, g.x[i]);
                xmax = Math.max(xmax, g.x[i]);
                ymin = Math.min(ymin, g.y[i]);
                ymax = Math.max(ymax, g.y[i]);
            }
        }
        boolean empty = total == 0;
        if (identity && !empty) {
            // the same range on both axes, so y = x is the diagonal
            xmin = ymin = Math.min(xmin, ymin);
            xmax = ymax = Math.max(xmax, ymax);
        }
        Axis ax = empty ? Axis.of(0, 1, false, 6) : Axis.of(xmin, xmax, logX && !identity, 6);
        Axis ay = empty ? Axis.of(0, 1, false, 6) : Axis.of(ymin, ymax, false, 6);
        int stride = (int) Math.max(1, (total + maxPoints - 1) / maxPoints);
        StringBuilder cap = new StringBuilder(summary);
        if (empty) {
            cap.append(" No finite points to plot.");
        }
        if (dropped > 0) {
            cap.append(' ').append(dropped).append(logX ? " non-finite or non-positive x points left out." : " non-finite points left out.");
        }
        if (stride > 1) {
            cap.append(" Every ").append(stride).append("th of ").append(total).append(" points drawn.");
        }
        String caption = cap.toString().trim();
        boolean legend = groups.size() > 1 || !identity;
        double plotRight = legend ? width - 130 : width - 20;
        Caption lines = Caption.of(caption, width - 74, 0xFF444444);
        double extra = Math.max(0, lines.height() - Caption.LINE_H);
        Caption head = Caption.title(title, width - 24);
        double dy = head.extra(), height = this.height + dy; // a title of two lines pushes the plot down, at the plot's height
        return new SizedFigure(width, height + extra, title) {
            @Override
            public void draw(Canvas c) {
                PlotFrame f = new PlotFrame(ax, ay, PlotFrame.left(ay), plotRight, 34 + dy, height - 52);
                head.drawTitle(c, 12);
                f.draw(c, xLabel, yLabel, height - 6);
                if (identity) {
                    c.beginGroup("y = x", "identity");
                    c.path(new double[] {f.px(ax.min()), f.px(ax.max())}, new double[] {f.py(ay.min()), f.py(ay.max())}, 2,
                            0, 0xFF888888, 1, false, true);
                    c.endGroup();
                }
                long seen = 0;
                for (int k = 0; k < groups.size(); k++) {
                    Group g = groups.get(k);
                    int color = g.color != 0 ? g.color : Colormaps.category(k);
                    int fill = (color & 0x00FFFFFF) | 0xB0000000;
                    c.beginGroup(g.name + ": " + g.x.length + " points", "points");
                    for (int i = 0; i < g.x.length; i++) {
                        if (!shown(g.x[i], g.y[i])) {
                            continue;
                        }
                        if (seen++ % stride == 0) {
                            c.rect(f.px(g.x[i]) - marker / 2, f.py(g.y[i]) - marker / 2, marker, marker, fill, 0, 0);
                        }
                    }
                    c.endGroup();
                    double ly = f.top() + 8 + k * 16;
                    if (legend && ly > height - 30) { // the legend is full: the points are drawn, the rest of the names counted
                        if (ly - 16 <= height - 30) {
                            c.text(plotRight + 12, ly + 4, "+" + (groups.size() - k) + " more", TextStyle.of(10).color(0xFF666666));
                        }
                    } else if (legend) {
                        c.beginGroup("legend: " + g.name, "legend");
                        c.rect(plotRight + 12, ly - 4, 8, 8, color, 0, 0);
                        c.text(plotRight + 26, ly + 4, Xml.abbreviate(g.name, 16), TextStyle.of(10));
                        c.endGroup();
                    }
                }
                lines.draw(c, f.left(), height - 4);
            }
        };
    }

    private boolean shown(double x, double y) {
        return Double.isFinite(x) && Double.isFinite(y) && (!logX || identity || x > 0);
    }
}
