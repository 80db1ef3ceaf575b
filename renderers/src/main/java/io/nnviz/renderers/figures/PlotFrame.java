package io.nnviz.renderers.figures;

import io.nnviz.renderers.canvas.Anchor;
import io.nnviz.renderers.canvas.Canvas;
import io.nnviz.renderers.canvas.TextStyle;

/** The plot area of a chart: frame, ticks, grid lines and axis labels, and value-to-point mapping. */
record PlotFrame(Axis x, Axis y, double left, double right, double top, double bottom) {

    double px(double v) {
        return left + x.frac(v) * (right - left);
    }

    double py(double v) {
        return bottom - y.frac(v) * (bottom - top);
    }

    /** Draws the frame, ticks with labels and faint grid lines, and axis titles (empty = none). */
    void draw(Canvas c, String xLabel, String yLabel, double figureHeight) {
        c.beginGroup("axes", "axes");
        c.rect(left, top, right - left, bottom - top, 0, 0xFF888888, 1);
        TextStyle tick = TextStyle.of(10).color(0xFF444444);
        for (double t : x.ticks()) {
            double xx = px(t);
            c.line(xx, bottom, xx, bottom + 4, 0xFF888888, 1);
            c.line(xx, top, xx, bottom, 0x22000000, 0.5);
            c.text(xx, bottom + 15, Axis.label(t), tick.anchor(Anchor.MIDDLE));
        }
        for (double t : y.ticks()) {
            double yy = py(t);
            c.line(left - 4, yy, left, yy, 0xFF888888, 1);
            c.line(left, yy, right, yy, 0x22000000, 0.5);
            c.text(left - 6, yy + 3, Axis.label(t), tick.anchor(Anchor.END));
        }
        if (!xLabel.isEmpty()) {
            c.text((left + right) / 2, figureHeight - 14, xLabel, TextStyle.of(11).anchor(Anchor.MIDDLE));
        }
        if (!yLabel.isEmpty()) {
            c.text(14, (top + bottom) / 2, yLabel, TextStyle.of(11).anchor(Anchor.MIDDLE).rotate(-90));
        }
        c.endGroup();
    }
}
