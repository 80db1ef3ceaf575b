package io.nnviz.renderers.figures;

import io.nnviz.renderers.canvas.Anchor;
import io.nnviz.renderers.canvas.Canvas;
import io.nnviz.renderers.canvas.Num;
import io.nnviz.renderers.canvas.RasterImage;
import io.nnviz.renderers.canvas.TextStyle;
import io.nnviz.renderers.color.Colormap;
import io.nnviz.renderers.color.Colormaps;
import io.nnviz.renderers.color.ValueScale;

/** A vertical colour bar legend: the map from max (top) to min (bottom), labelled, with a NaN swatch. */
final class ColorBar {
    /** Width the bar and its labels take. */
    static final double WIDTH = 78;

    private ColorBar() {
    }

    static void draw(Canvas c, double x, double y, double h, Colormap map, ValueScale scale, String label,
                     boolean showNonFinite) {
        c.beginGroup("colour bar: " + map.name() + " from " + Num.label(scale.min()) + " to " + Num.label(scale.max()),
                "colorbar");
        int n = 64;
        int[] px = new int[n];
        for (int i = 0; i < n; i++) {
            px[i] = map.color(1 - i / (double) (n - 1));
        }
        double barH = showNonFinite ? h - 22 : h;
        c.image(x, y, 14, barH, RasterImage.argb(1, n, px));
        c.rect(x, y, 14, barH, 0, 0xFF666666, 0.5);
        TextStyle t = TextStyle.of(10);
        if (scale.isDegenerate()) {
            c.text(x + 18, y + 8, Num.label(scale.max()), t);
            c.text(x + 18, y + barH, Num.label(scale.min()), t);
        } else { // the bar is an axis: its three labels in one format
            String[] l = Num.axisLabels(new double[] {scale.max(), (scale.min() + scale.max()) / 2, scale.min()}, false);
            c.text(x + 18, y + 8, l[0], t);
            c.text(x + 18, y + barH / 2 + 3, l[1], t);
            c.text(x + 18, y + barH, l[2], t);
        }
        if (showNonFinite) {
            c.rect(x, y + h - 12, 14, 12, Colormaps.NON_FINITE, 0xFF666666, 0.5);
            c.text(x + 18, y + h - 2, "NaN/Inf", t);
        }
        if (label != null) {
            c.text(x - 4, y + barH / 2, label, TextStyle.of(10).anchor(Anchor.MIDDLE).rotate(-90));
        }
        c.endGroup();
    }
}
