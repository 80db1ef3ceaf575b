package io.nnviz.renderers;

import io.nnviz.renderers.canvas.Java2dCanvas;
import io.nnviz.renderers.canvas.Png;
import io.nnviz.renderers.canvas.SvgCanvas;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Exports figures: SVG text, PNG images, and files written atomically (temp file, then rename), so
 * a crash never leaves half a figure.
 *
 * <pre>{@code
 * Figure f = FilterGrid.of(kernel).build();
 * Figures.writeSvg(f, Path.of("out/conv1.svg"));
 * Figures.writePng(f, Path.of("out/conv1.png"), 2.0);
 * }</pre>
 */
public final class Figures {
    private Figures() {
    }

    /** The figure as a standalone SVG document. */
    public static String toSvg(Figure f) {
        SvgCanvas c = new SvgCanvas(f.width(), f.height(), f.title());
        f.draw(c);
        return c.finish();
    }

    /** The most pixels a raster copy gets (about 4,000 x 4,000); larger figures are rasterized at a smaller scale. */
    public static final long MAX_PIXELS = 16_000_000L;
    /** The longest side of a raster copy, in pixels. */
    public static final int MAX_SIDE = 16_384;

    /**
     * The figure rasterized at {@code scale} pixels per unit, or at the largest smaller scale that
     * keeps it within {@link #MAX_PIXELS} and {@link #MAX_SIDE} (a 5,000-node architecture diagram
     * would otherwise need gigabytes; its SVG stays exact).
     */
    public static BufferedImage toImage(Figure f, double scale) {
        return Java2dCanvas.render(f.width(), f.height(), rasterScale(f.width(), f.height(), scale), f::draw);
    }

    /** The scale {@link #toImage} uses for a figure of this size. */
    public static double rasterScale(double width, double height, double scale) {
        double s = scale;
        double area = width * height * s * s;
        if (area > MAX_PIXELS) {
            s *= Math.sqrt(MAX_PIXELS / area);
        }
        s = Math.min(s, MAX_SIDE / Math.max(1, width));
        return Math.min(s, MAX_SIDE / Math.max(1, height));
    }

    /**
     * The raster a thread last drew a PNG into, kept for its next one when at most 4 megapixels (16 MB): a report's
     * hundreds of filter grids otherwise allocated a fresh raster each, a third of a big model's garbage.
     */
    private static final ThreadLocal<int[]> RASTER = new ThreadLocal<>();
    private static final long KEPT_PIXELS = 4_000_000L;

    /** The figure as PNG bytes. */
    public static byte[] toPng(Figure f, double scale) {
        double s = rasterScale(f.width(), f.height(), scale);
        long n = Java2dCanvas.pixels(f.width(), f.height(), s);
        int[] pixels = RASTER.get();
        if (pixels == null || pixels.length < n) {
            pixels = new int[(int) n];
            if (n <= KEPT_PIXELS) {
                RASTER.set(pixels);
            }
        }
        return Png.encode(Java2dCanvas.render(pixels, f.width(), f.height(), s, f::draw));
    }

    /** Writes the SVG to {@code file} atomically. */
    public static void writeSvg(Figure f, Path file) throws IOException {
        AtomicFiles.write(file, toSvg(f).getBytes(StandardCharsets.UTF_8));
    }

    /** Writes the PNG to {@code file} atomically. */
    public static void writePng(Figure f, Path file, double scale) throws IOException {
        AtomicFiles.write(file, toPng(f, scale));
    }
}
