package io.nnviz.renderers.figures;

import io.nnviz.renderers.canvas.Anchor;
import io.nnviz.renderers.canvas.Canvas;
import io.nnviz.renderers.canvas.TextStyle;

/**
 * The plot area of a chart: frame, ticks, grid lines and axis labels, and value-to-point mapping.
 * {@code left..right} and {@code top..bottom} is where values are drawn; the frame lies {@code pad}
 * outside it (room for markers at the data's ends, which would otherwise sit half outside).
 */
record PlotFrame(Axis x, Axis y, double left, double right, double top, double bottom, double pad) {
    PlotFrame(Axis x, Axis y, double left, double right, double top, double bottom) {
        this(x, y, left, right, top, bottom, 0);
    }

    /** The left edge of a plot whose y axis is {@code y}: room for its widest tick label and the axis title beside it. */
    static double left(Axis y) {
        double widest = 0;
        for (String l : y.tickLabels()) {
            widest = Math.max(widest, TICK.width(l));
        }
        return Math.max(62, widest + 30);
    }

    private static final TextStyle TICK = TextStyle.of(10).color(0xFF444444);

    double px(double v) {
        return left + x.frac(v) * (right - left);
    }

    double py(double v) {
        return bottom - y.frac(v) * (bottom - top);
    }

    /** Draws the frame, ticks with labels and faint grid lines, and axis titles (empty = none). */
    void draw(Canvas c, String xLabel, String yLabel, double figureHeight) {
        c.beginGroup("axes", "axes");
        double l = left - pad, r = right + pad, t = top - pad, b = bottom + pad;
        c.rect(l, t, r - l, b - t, 0, 0xFF888888, 1);
        TextStyle tick = TICK;
        String[] xs = x.tickLabels(), ys = y.tickLabels();
        for (int i = 0; i < xs.length; i++) {
            double xx = px(x.ticks()[i]);
            c.line(xx, b, xx, b + 4, 0xFF888888, 1);
            c.line(xx, t, xx, b, 0x22000000, 0.5);
            c.text(xx, b + 15, xs[i], tick.anchor(Anchor.MIDDLE));
        }
        for (int i = 0; i < ys.length; i++) {
            double yy = py(y.ticks()[i]);
            c.line(l - 4, yy, l, yy, 0xFF888888, 1);
            c.line(l, yy, r, yy, 0x22000000, 0.5);
            c.text(l - 6, yy + 3, ys[i], tick.anchor(Anchor.END));
        }
        if (!xLabel.isEmpty()) {
            c.text((l + r) / 2, figureHeight - 14, xLabel, TextStyle.of(11).anchor(Anchor.MIDDLE));
        }
        if (!yLabel.isEmpty()) {
            c.text(14, (t + b) / 2, yLabel, TextStyle.of(11).anchor(Anchor.MIDDLE).rotate(-90));
        }
        c.endGroup();
    }
}
