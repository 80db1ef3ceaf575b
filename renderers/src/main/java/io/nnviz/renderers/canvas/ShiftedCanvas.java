package io.nnviz.renderers.canvas;

import java.util.Map;
import java.util.Objects;

/** A canvas drawing onto another at an offset: how a figure made of figures places each part. */
public final class ShiftedCanvas implements Canvas {
    private final Canvas target;
    private final double dx, dy;

    /** Draws onto {@code target} shifted right by {@code dx} and down by {@code dy}. */
    public ShiftedCanvas(Canvas target, double dx, double dy) {
        this.target = Objects.requireNonNull(target, "target");
        this.dx = dx;
        this.dy = dy;
    }

    @Override
    public void rect(double x, double y, double w, double h, int fill, int stroke, double strokeWidth) {
        target.rect(x + dx, y + dy, w, h, fill, stroke, strokeWidth);
    }

    @Override
    public void line(double x1, double y1, double x2, double y2, int color, double width) {
        target.line(x1 + dx, y1 + dy, x2 + dx, y2 + dy, color, width);
    }

    @Override
    public void path(double[] xs, double[] ys, int n, int fill, int stroke, double strokeWidth, boolean closed, boolean dashed) {
        double[] x = new double[n], y = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = xs[i] + dx;
            y[i] = ys[i] + dy;
        }
        target.path(x, y, n, fill, stroke, strokeWidth, closed, dashed);
    }

    @Override
    public void text(double x, double y, String text, TextStyle style) {
        target.text(x + dx, y + dy, text, style);
    }

    @Override
    public void image(double x, double y, double w, double h, RasterImage image) {
        target.image(x + dx, y + dy, w, h, image);
    }

    @Override
    public void beginGroup(String title, String cssClass, Map<String, String> data) {
        target.beginGroup(title, cssClass, data);
    }

    @Override
    public void beginGroup(String title, String cssClass) {
        target.beginGroup(title, cssClass);
    }

    @Override
    public void endGroup() {
        target.endGroup();
    }
}
