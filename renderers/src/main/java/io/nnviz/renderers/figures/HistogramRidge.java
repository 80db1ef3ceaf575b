package io.nnviz.renderers.figures;

import io.nnviz.api.Histogram;
import io.nnviz.renderers.Figure;
import io.nnviz.renderers.canvas.Anchor;
import io.nnviz.renderers.canvas.Canvas;
import io.nnviz.renderers.canvas.TextStyle;
import io.nnviz.renderers.canvas.Xml;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Histograms over time as a ridge plot, like TensorBoard's offset view: one filled outline per
 * recorded step, older steps at the back (top, pale), newer at the front (bottom, dark), on a
 * shared value axis. Each histogram keeps its own bin edges, so ranges may change as weights move,
 * and each ridge is scaled to its own peak: on one scale, a histogram narrow at the start of a run
 * (biases starting at 0) is so tall that every later one is flattened to under a pixel.
 *
 * <pre>{@code
 * HistogramRidge r = HistogramRidge.titled("conv1 kernel");
 * r.add(step, Histogram.of(weights, 40));   // from a hook, at each step you keep
 * Figure f = r.build();
 * }</pre>
 * Above {@link #maxRidges} steps an even subsample is drawn (always with the first and last).
 */
public final class HistogramRidge {
    private record Entry(long step, String label, Histogram histogram) {
        String text() {
            return label != null ? label : "step " + step;
        }
    }

    private final String title;
    private final List<Entry> entries = new ArrayList<>();
    private String valueLabel = "value";
    private int maxRidges = 40;
    private double width = 560, ridgeHeight = 44;

    private HistogramRidge(String title) {
        this.title = title;
    }

    /** An empty ridge plot. */
    public static HistogramRidge titled(String title) {
        return new HistogramRidge(Objects.requireNonNull(title, "title"));
    }

    /**
     * Adds the histogram recorded at {@code step}. Steps may come in any order (they are drawn in
     * step order); a second histogram for a step replaces the first.
     */
    public HistogramRidge add(long step, Histogram h) {
        Objects.requireNonNull(h, "histogram");
        if (labelled()) {
            throw new IllegalStateException("'" + title + "' has labelled ridges: add(label, histogram)");
        }
        int i = entries.size();
        while (i > 0 && entries.get(i - 1).step > step) {
            i--;
        }
        if (i > 0 && entries.get(i - 1).step == step) {
            entries.set(i - 1, new Entry(step, null, h));
        } else {
            entries.add(i, new Entry(step, null, h));
        }
        return this;
    }

    /**
     * Adds a ridge labelled {@code label} (a run's name: one weight's histogram in several runs),
     * drawn in the order added, on the same value axis as the others.
     */
    public HistogramRidge add(String label, Histogram h) {
        Objects.requireNonNull(label, "label");
        Objects.requireNonNull(h, "histogram");
        if (!entries.isEmpty() && !labelled()) {
            throw new IllegalStateException("'" + title + "' has ridges by step: add(step, histogram)");
        }
        entries.add(new Entry(entries.size(), label, h));
        return this;
    }

    private boolean labelled() {
        return !entries.isEmpty() && entries.get(0).label() != null;
    }

    /** Label of the value axis (default "value"). */
    public HistogramRidge valueLabel(String s) {
        this.valueLabel = Objects.requireNonNull(s);
        return this;
    }

    /** Most ridges drawn (default 40). */
    public HistogramRidge maxRidges(int n) {
        if (n < 2) {
            throw new IllegalArgumentException("maxRidges < 2: " + n);
        }
        this.maxRidges = n;
        return this;
    }

    /** Width in user units and the height of the tallest ridge (defaults 560 and 44). */
    public HistogramRidge size(double width, double ridgeHeight) {
        this.width = width;
        this.ridgeHeight = ridgeHeight;
        return this;
    }

    /** The entries drawn: all, or an even subsample with the first and last. */
    private List<Entry> shown() {
        int n = entries.size();
        if (n <= maxRidges) {
            return entries;
        }
        List<Entry> out = new ArrayList<>(maxRidges);
        for (int i = 0; i < maxRidges; i++) {
            out.add(entries.get((int) Math.round((double) i * (n - 1) / (maxRidges - 1))));
        }
        return out;
    }

    /** Builds the figure. */
    public Figure build() {
        if (entries.isEmpty()) {
            throw new IllegalStateException("no histograms added to '" + title + "'");
        }
        List<Entry> shown = shown();
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        long nonFinite = 0;
        for (Entry e : shown) {
            Histogram h = e.histogram;
            nonFinite += h.nonFinite();
            if (h.total() == 0) {
                continue;
            }
            lo = Math.min(lo, h.min());
            hi = Math.max(hi, h.max());
        }
        boolean empty = !(hi >= lo);
        Axis ax = empty ? Axis.of(0, 1, false, 6) : Axis.of(lo, hi, false, 6);
        double gap = Math.max(6, Math.min(ridgeHeight / 2, 300.0 / shown.size()));
        Caption head = Caption.title(title, width - 24);
        double top = 34 + head.extra() + ridgeHeight, left = 20, right = width - (labelled() ? 170 : 80);
        double bottom = top + gap * (shown.size() - 1);
        double axisH = bottom + 44;
        StringBuilder cap = new StringBuilder();
        if (shown.size() < entries.size()) {
            cap.append(shown.size()).append(" of ").append(entries.size()).append(labelled() ? " ridges drawn. " : " steps drawn. ");
        }
        if (nonFinite > 0) {
            cap.append(nonFinite).append(" NaN/infinite values not shown. ");
        }
        if (empty) {
            cap.append("No finite values. ");
        }
        cap.append(labelled() ? "Each ridge scaled to its own peak." : "Each step scaled to its own peak.");
        String caption = cap.toString().trim();
        boolean warn = nonFinite > 0 || empty;
        Caption lines = Caption.of(caption, width - 2 * left, warn ? 0xFF8A1C1C : 0xFF666666);
        double height = axisH + lines.height() + 6;
        return new SizedFigure(width, height, title) {
            @Override
            public void draw(Canvas c) {
                head.drawTitle(c, 12);
                c.beginGroup("axes", "axes");
                c.line(left, bottom, right, bottom, 0xFF888888, 1);
                TextStyle tick = TextStyle.of(10).color(0xFF444444);
                String[] labels = ax.tickLabels();
                for (int i = 0; i < labels.length; i++) {
                    double x = left + ax.frac(ax.ticks()[i]) * (right - left);
                    c.line(x, bottom, x, bottom + 4, 0xFF888888, 1);
                    c.text(x, bottom + 15, labels[i], tick.anchor(Anchor.MIDDLE));
                }
                c.text((left + right) / 2, bottom + 32, valueLabel, TextStyle.of(11).anchor(Anchor.MIDDLE));
                c.endGroup();
                int n = shown.size();
                int labelEvery = Math.max(1, (int) Math.ceil(12 / gap));
                for (int k = 0; k < n; k++) {
                    Entry e = shown.get(k);
                    double base = top + gap * k;
                    double age = n == 1 ? 1 : (double) k / (n - 1);
                    int color = mix(0xFFF2B27A, 0xFFB3431B, age);
                    c.beginGroup(e.text(), "ridge");
                    Histogram h = e.histogram;
                    double peak = 0;
                    for (int b = 0; b < h.bins(); b++) {
                        peak = Math.max(peak, density(h, b));
                    }
                    if (h.total() > 0 && peak > 0) {
                        double[][] outline = sparse(h) ? bars(h, ax, base, ridgeHeight / peak, left, right)
                                : smooth(h, ax, base, ridgeHeight / peak, left, right);
                        c.path(outline[0], outline[1], outline[0].length, (color & 0x00FFFFFF) | 0xD0000000, 0xFFFFFFFF, 0.8, true, false);
                    }
                    c.endGroup();
                    if (k % labelEvery == 0 || k == n - 1) {
                        c.text(right + 6, base, Xml.abbreviate(e.text(), 30), TextStyle.of(9).color(0xFF444444));
                    }
                }
                lines.draw(c, left, axisH + 8);
            }
        };
    }

    /**
     * Whether a histogram has too few values for an outline: fewer than four a bin. A bias of 10
     * values in 30 bins leaves most bins empty, and a line through the bins' centres draws each
     * value as a spike two bins wide, a shape the values do not have; bars (a flat top over each
     * bin, nothing over an empty one) show which bins hold values and how many, as a strip plot would.
     */
    static boolean sparse(Histogram h) {
        return h.binWidth() > 0 && h.total() < 4L * h.bins();
    }

    /** The smooth outline of a histogram of many values: a line through its bins' centres, closed along the base. */
    private static double[][] smooth(Histogram h, Axis axis, double base, double scale, double left, double right) {
        int bins = h.bins();
        double[] xs = new double[bins + 2], ys = new double[bins + 2];
        double bw = h.binWidth();
        xs[0] = left + axis.frac(h.min()) * (right - left);
        ys[0] = base;
        for (int b = 0; b < bins; b++) {
            double centre = bw > 0 ? h.min() + (b + 0.5) * bw : h.min();
            xs[b + 1] = left + axis.frac(centre) * (right - left);
            ys[b + 1] = base - density(h, b) * scale;
        }
        xs[bins + 1] = left + axis.frac(h.max()) * (right - left);
        ys[bins + 1] = base;
        return new double[][] {xs, ys};
    }

    /** The bars of a histogram of few values ({@link #sparse}): a step outline, flat over each bin, at the base over empty ones. */
    private static double[][] bars(Histogram h, Axis axis, double base, double scale, double left, double right) {
        int bins = h.bins();
        double[] xs = new double[2 * bins + 2], ys = new double[2 * bins + 2];
        double bw = h.binWidth();
        xs[0] = left + axis.frac(h.min()) * (right - left);
        ys[0] = base;
        for (int b = 0; b < bins; b++) {
            double top = base - density(h, b) * scale;
            xs[2 * b + 1] = left + axis.frac(h.min() + b * bw) * (right - left);
            xs[2 * b + 2] = left + axis.frac(h.min() + (b + 1) * bw) * (right - left);
            ys[2 * b + 1] = top;
            ys[2 * b + 2] = top;
        }
        xs[2 * bins + 1] = left + axis.frac(h.max()) * (right - left);
        ys[2 * bins + 1] = base;
        return new double[][] {xs, ys};
    }

    /** Count per unit of value (count for a constant histogram), so histograms with different bins compare. */
    private static double density(Histogram h, int b) {
        double bw = h.binWidth();
        double frac = (double) h.count(b) / h.total();
        return bw > 0 ? frac / bw : frac;
    }

    private static int mix(int a, int b, double t) {
        int r = (int) Math.round(((a >> 16) & 255) * (1 - t) + ((b >> 16) & 255) * t);
        int g = (int) Math.round(((a >> 8) & 255) * (1 - t) + ((b >> 8) & 255) * t);
        int bl = (int) Math.round((a & 255) * (1 - t) + (b & 255) * t);
        return 0xFF000000 | r << 16 | g << 8 | bl;
    }
}
