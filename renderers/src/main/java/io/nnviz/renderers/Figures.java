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

    /** The figure rasterized at {@code scale} pixels per unit. */
    public static BufferedImage toImage(Figure f, double scale) {
        return Java2dCanvas.render(f.width(), f.height(), scale, f::draw);
    }

    /** The figure as PNG bytes. */
    public static byte[] toPng(Figure f, double scale) {
        return Png.encode(toImage(f, scale));
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
