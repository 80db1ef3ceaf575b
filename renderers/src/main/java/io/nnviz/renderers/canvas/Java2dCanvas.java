package io.nnviz.renderers.canvas;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;
import java.awt.image.DirectColorModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.util.function.Consumer;

/**
 * Draws onto any {@link Graphics2D}: a {@link BufferedImage} for PNG, or Batik's
 * {@code SVGGraphics2D} for users who want an SVG DOM (Batik needs {@code batik-codec} on the class
 * path for images). Groups become nothing: Java2D has no grouping.
 */
public final class Java2dCanvas implements Canvas {
    /** {@link BufferedImage#TYPE_INT_RGB}'s colour model: an image on it is of that type, which Java2D draws on with its own loops. */
    private static final DirectColorModel RGB = new DirectColorModel(24, 0xFF0000, 0xFF00, 0xFF);

    private final Graphics2D g;

    /** Draws onto {@code g}; sets antialiasing hints. The caller disposes {@code g}. */
    public Java2dCanvas(Graphics2D g) {
        this.g = g;
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR);
    }

    /**
     * Renders a figure of size {@code width x height} to an RGB image at {@code scale} pixels per
     * unit, on a white background. Opaque, as every figure is on its white background: the PNG
     * encoder then neither looks for transparent pixels nor writes an alpha channel.
     */
    public static BufferedImage render(double width, double height, double scale, Consumer<Canvas> draw) {
        int w = Math.max(1, (int) Math.ceil(width * scale)), h = Math.max(1, (int) Math.ceil(height * scale));
        return render(new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB), scale, draw);
    }

    /**
     * As {@link #render(double, double, double, Consumer)}, into the first {@code w x h} values of
     * {@code pixels} (packed RGB, rows of {@code w}), which the image then shares: for a caller that
     * encodes the image at once and draws the next one into the same array.
     */
    public static BufferedImage render(int[] pixels, double width, double height, double scale, Consumer<Canvas> draw) {
        int w = Math.max(1, (int) Math.ceil(width * scale)), h = Math.max(1, (int) Math.ceil(height * scale));
        WritableRaster raster = Raster.createPackedRaster(new DataBufferInt(pixels, w * h), w, h, w, RGB.getMasks(), null);
        return render(new BufferedImage(RGB, raster, false, null), scale, draw);
    }


    /** The pixels {@link #render(int[], double, double, double, Consumer)} needs for a figure of this size. */
    public static long pixels(double width, double height, double scale) {
        return (long) Math.max(1, (int) Math.ceil(width * scale)) * Math.max(1, (int) Math.ceil(height * scale));
    }

    private static BufferedImage render(BufferedImage img, double scale, Consumer<Canvas> draw) {
        int w = img.getWidth(), h = img.getHeight();
        Graphics2D g = img.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, w, h);
            g.scale(scale, scale);
            draw.accept(new Java2dCanvas(g));
        } finally {
            g.dispose();
        }
        return img;
    }

    private static Color color(int argb) {
        return new Color(argb, true);
    }

    @Override
    public void rect(double x, double y, double w, double h, int fill, int stroke, double strokeWidth) {
        Rectangle2D r = new Rectangle2D.Double(x, y, w, h);
        if ((fill >>> 24) != 0) {
            g.setColor(color(fill));
            g.fill(r);
        }
        if ((stroke >>> 24) != 0) {
            g.setColor(color(stroke));
            g.setStroke(new BasicStroke((float) strokeWidth));
            g.draw(r);
        }
    }

    @Override
    public void line(double x1, double y1, double x2, double y2, int color, double width) {
        g.setColor(color(color));
        g.setStroke(new BasicStroke((float) width));
        g.draw(new Line2D.Double(x1, y1, x2, y2));
    }

    @Override
    public void path(double[] xs, double[] ys, int n, int fill, int stroke, double strokeWidth, boolean closed,
                     boolean dashed) {
        if (n == 0) {
            return;
        }
        Path2D.Double p = new Path2D.Double();
        p.moveTo(xs[0], ys[0]);
        for (int i = 1; i < n; i++) {
            p.lineTo(xs[i], ys[i]);
        }
        if (closed) {
            p.closePath();
        }
        if ((fill >>> 24) != 0) {
            g.setColor(color(fill));
            g.fill(p);
        }
        if ((stroke >>> 24) != 0) {
            g.setColor(color(stroke));
            g.setStroke(dashed
                    ? new BasicStroke((float) strokeWidth, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10f, new float[] {4f, 3f}, 0f)
                    : new BasicStroke((float) strokeWidth, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND));
            g.draw(p);
        }
    }

    @Override
    public void text(double x, double y, String text, TextStyle style) {
        g.setFont(style.font());
        g.setColor(color(style.color()));
        double w = g.getFontMetrics().getStringBounds(text, g).getWidth();
        double dx = switch (style.anchor()) {
            case START -> 0;
            case MIDDLE -> -w / 2;
            case END -> -w;
        };
        if (style.rotation() != 0) {
            AffineTransform saved = g.getTransform();
            g.rotate(Math.toRadians(style.rotation()), x, y);
            g.drawString(text, (float) (x + dx), (float) y);
            g.setTransform(saved);
        } else {
            g.drawString(text, (float) (x + dx), (float) y);
        }
    }

    @Override
    public void image(double x, double y, double w, double h, RasterImage image) {
        AffineTransform at = new AffineTransform(w / image.width(), 0, 0, h / image.height(), x, y);
        g.drawImage(image.toBufferedImage(), at, null);
    }

    @Override
    public void beginGroup(String title, String cssClass) {
        // Java2D has no groups
    }

    @Override
    public void endGroup() {
        // Java2D has no groups
    }
}
