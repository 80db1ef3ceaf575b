package io.nnviz.renderers.figures;

import io.nnviz.api.Tensor;
import io.nnviz.api.TensorStats;
import io.nnviz.renderers.Figure;
import io.nnviz.renderers.canvas.Anchor;
import io.nnviz.renderers.canvas.Canvas;
import io.nnviz.renderers.canvas.Num;
import io.nnviz.renderers.canvas.RasterImage;
import io.nnviz.renderers.canvas.TextStyle;
import io.nnviz.renderers.canvas.Xml;
import io.nnviz.renderers.color.Colormap;
import io.nnviz.renderers.color.Colormaps;
import io.nnviz.renderers.color.Palette;
import io.nnviz.renderers.color.ValueScale;

import java.util.List;
import java.util.Objects;

/**
 * A matrix as coloured cells with labelled axes and a colour bar: RNN hidden units over time,
 * attention weights with token labels, and (with {@link #confusionMatrix}) classifier results.
 *
 * <pre>{@code
 * Figure f = Heatmap.of(attention).rowLabels(tokens).columnLabels(tokens).title("Head 0").build();
 * Figure cm = Heatmap.confusionMatrix(counts, classNames, true).build();
 * }</pre>
 */
public final class Heatmap {
    private final Tensor matrix;
    private String title = "Heatmap";
    private List<String> rows, cols;
    private String rowAxis = "", colAxis = "";
    private Colormap map = Colormaps.VIRIDIS;
    private boolean annotate;
    private long[][] counts;
    /** A row-normalised confusion matrix: values in percent of the row, printed with a % sign. */
    private boolean percentOfRow;
    private double cell = 0;

    private Heatmap(Tensor m) {
        if (m.rank() != 2) {
            throw new IllegalArgumentException("a heatmap needs a matrix [rows, columns], got " + m.shape());
        }
        this.matrix = m;
    }

    /** A heatmap of a {@code [rows, columns]} matrix. */
    public static Heatmap of(Tensor matrix) {
        return new Heatmap(Objects.requireNonNull(matrix, "matrix"));
    }

    /**
     * A confusion matrix: rows are true classes, columns predicted. {@code normalize} colours by
     * row fraction (recall per class) and prints percentages; otherwise counts.
     */
    public static Heatmap confusionMatrix(long[][] counts, List<String> classes, boolean normalize) {
        int n = counts.length;
        if (classes.size() != n) {
            throw new IllegalArgumentException(n + " rows of counts but " + classes.size() + " class names");
        }
        float[] v = new float[n * n];
        long total = 0, correct = 0;
        for (int i = 0; i < n; i++) {
            if (counts[i].length != n) {
                throw new IllegalArgumentException("confusion matrix row " + i + " has " + counts[i].length + " columns, expected " + n);
            }
            long rowSum = 0;
            for (long c : counts[i]) {
                rowSum += c;
            }
            for (int j = 0; j < n; j++) {
                // row-normalised in percent, as the cells print it, so that the colour bar reads in the same unit
                v[i * n + j] = normalize ? (rowSum == 0 ? 0 : 100f * counts[i][j] / rowSum) : counts[i][j];
            }
            total += rowSum;
            correct += counts[i][i];
        }
        Heatmap h = new Heatmap(Tensor.of(v, n, n));
        h.counts = counts;
        h.rows = List.copyOf(classes);
        h.cols = List.copyOf(classes);
        h.rowAxis = "true class";
        h.colAxis = "predicted class";
        h.annotate = n <= 20;
        h.percentOfRow = normalize;
        h.title = "Confusion matrix" + (normalize ? " (row-normalised)" : "") + ", accuracy "
                + (total == 0 ? "n/a" : Num.label(100.0 * correct / total) + "%") + " of " + Num.count(total);
        return h;
    }

    /** Title. */
    public Heatmap title(String t) {
        this.title = Objects.requireNonNull(t);
        return this;
    }

    /** Side of a cell in user units (default: the matrix fills about 520 units, cells 3 to 36). */
    public Heatmap cellSize(double units) {
        if (!(units > 0)) {
            throw new IllegalArgumentException("cell size must be positive: " + units);
        }
        this.cell = units;
        return this;
    }

    /** Labels of the rows (top to bottom). */
    public Heatmap rowLabels(List<String> labels) {
        if (labels.size() != matrix.shape().dim(0)) {
            throw new IllegalArgumentException(labels.size() + " row labels for " + matrix.shape().dim(0) + " rows");
        }
        this.rows = List.copyOf(labels);
        return this;
    }

    /** Labels of the columns (left to right). */
    public Heatmap columnLabels(List<String> labels) {
        if (labels.size() != matrix.shape().dim(1)) {
            throw new IllegalArgumentException(labels.size() + " column labels for " + matrix.shape().dim(1) + " columns");
        }
        this.cols = List.copyOf(labels);
        return this;
    }

    /** Axis titles. */
    public Heatmap axes(String rowAxis, String columnAxis) {
        this.rowAxis = Objects.requireNonNull(rowAxis);
        this.colAxis = Objects.requireNonNull(columnAxis);
        return this;
    }

    /** Colormap (default viridis; use the diverging map for signed values). */
    public Heatmap colormap(Colormap m) {
        this.map = Objects.requireNonNull(m);
        return this;
    }

    /** Prints each cell's value in it. */
    public Heatmap annotate(boolean on) {
        this.annotate = on;
        return this;
    }

    /** A tick every 1, 2, 5, 10, 20, 50, ... cells, the first at least {@code minGap} units apart. */
    static int tickEvery(int n, double cell, double minGap) {
        int[] steps = {1, 2, 5};
        for (int scale = 1; ; scale *= 10) {
            for (int st : steps) {
                int every = st * scale;
                if (every * cell >= minGap || every >= n) {
                    return every;
                }
            }
        }
    }

    /** Builds the figure. */
    public Figure build() {
        int nr = matrix.shape().dim(0), nc = matrix.shape().dim(1);
        double cs = cell > 0 ? cell : Math.max(3, Math.min(36, 520.0 / Math.max(nr, nc)));
        double labelW = rows == null ? 30 : Math.min(140, rows.stream().mapToDouble(s -> TextStyle.of(10).width(Xml.abbreviate(s, 22))).max().orElse(0) + 10);
        double labelH = cols == null ? 20 : Math.min(120, cols.stream().mapToDouble(s -> TextStyle.of(10).width(Xml.abbreviate(s, 22))).max().orElse(0) + 10);
        double gw = nc * cs, gh = nr * cs, width = Caption.titleWidth(title, 24 + labelW + gw + ColorBar.WIDTH + 24, 12);
        Caption head = Caption.title(title, width - 24);
        double left = 24 + labelW, top = 34 + head.extra();
        double height = top + gh + labelH + 30;
        TensorStats s = matrix.stats();
        ValueScale vs = ValueScale.of(s, map.diverging());
        byte[] idx = new byte[nr * nc];
        double inv = vs.isDegenerate() ? 0 : 1 / (vs.max() - vs.min());
        for (int i = 0; i < idx.length; i++) {
            idx[i] = Palette.index(matrix.getFlat(i), vs.min(), inv, vs.isDegenerate());
        }
        RasterImage img = RasterImage.indexed(nc, nr, idx, Palette.of(map, 0xFFFFFFFF));
        String caption = s.hasNonFinite() ? s.nanCount() + " NaN and " + s.infCount() + " infinite cells in magenta."
                : s.isConstant() ? "All cells equal " + Num.label(s.min()) + " (constant)." : "";
        Caption lines = Caption.of(caption, width - 24, 0xFF8A1C1C);
        return new SizedFigure(width, height + lines.height() + (caption.isEmpty() ? 0 : 1), title) {
            @Override
            public void draw(Canvas c) {
                head.drawTitle(c, 12);
                c.beginGroup("cells", "cells");
                c.image(left, top, gw, gh, img);
                c.rect(left, top, gw, gh, 0, 0xFF888888, 0.5);
                c.endGroup();
                TextStyle lt = TextStyle.of(Math.min(10, Math.max(6, cs * 0.8)));
                if (rows != null && cs >= 6) {
                    for (int i = 0; i < nr; i++) {
                        c.text(left - 4, top + (i + 0.5) * cs + 3, Xml.abbreviate(rows.get(i), 22), lt.anchor(Anchor.END));
                    }
                }
                if (cols != null && cs >= 6) {
                    for (int j = 0; j < nc; j++) {
                        c.text(left + (j + 0.5) * cs + 3, top + gh + 6, Xml.abbreviate(cols.get(j), 22), lt.rotate(90));
                    }
                }
                // where no labels were given, or cells are too small for them: numbered ticks every few cells
                TextStyle tick = TextStyle.of(9).color(0xFF444444);
                if (rows == null || cs < 6) {
                    int every = tickEvery(nr, cs, 14);
                    c.beginGroup("row ticks", "ticks");
                    for (int i = 0; i < nr; i += every) {
                        double y = top + (i + 0.5) * cs;
                        c.line(left - 3, y, left, y, 0xFF888888, 0.8);
                        c.text(left - 5, y + 3, rows == null ? Integer.toString(i) : Xml.abbreviate(rows.get(i), 12), tick.anchor(Anchor.END));
                    }
                    c.endGroup();
                }
                if (cols == null || cs < 6) {
                    int every = tickEvery(nc, cs, 26);
                    c.beginGroup("column ticks", "ticks");
                    for (int j = 0; j < nc; j += every) {
                        double x = left + (j + 0.5) * cs;
                        c.line(x, top + gh, x, top + gh + 3, 0xFF888888, 0.8);
                        c.text(x, top + gh + 13, cols == null ? Integer.toString(j) : Xml.abbreviate(cols.get(j), 8), tick.anchor(Anchor.MIDDLE));
                    }
                    c.endGroup();
                }
                c.text(left + gw / 2, top + gh + labelH + 14, colAxis, TextStyle.of(11).anchor(Anchor.MIDDLE));
                c.text(12, top + gh / 2, rowAxis, TextStyle.of(11).anchor(Anchor.MIDDLE).rotate(-90));
                if (annotate) {
                    c.beginGroup("values", "annotations");
                    for (int i = 0; i < nr; i++) {
                        for (int j = 0; j < nc; j++) {
                            float v = matrix.get(i, j);
                            double t = vs.normalize(v);
                            int fg = Double.isNaN(t) || t > 0.6 ? 0xFF000000 : 0xFFFFFFFF;
                            String text = percentOfRow ? percent(v / 100) : counts != null ? Long.toString(counts[i][j]) : Num.label(v);
                            c.text(left + (j + 0.5) * cs, top + (i + 0.5) * cs + 3, text,
                                    TextStyle.of(Math.min(10, cs * 0.32)).color(fg).anchor(Anchor.MIDDLE));
                        }
                    }
                    c.endGroup();
                }
                ColorBar.draw(c, left + gw + 18, top, Math.max(60, Math.min(gh, 240)), map, vs, percentOfRow ? "% of the true class" : null,
                        s.hasNonFinite());
                lines.draw(c, 12, height + 8);
            }
        };
    }

    /** A row fraction as a percentage with one decimal at most: 0.935% reads 0.9%, 96% stays 96%. */
    static String percent(double fraction) {
        double p = Math.round(fraction * 1000) / 10.0;
        return (p == Math.rint(p) ? Long.toString((long) p) : Double.toString(p)) + "%";
    }
}
