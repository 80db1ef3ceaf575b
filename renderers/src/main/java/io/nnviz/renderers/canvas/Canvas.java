package io.nnviz.renderers.canvas;
import java.util.Map;


/**
 * The drawing vocabulary every figure uses, so each figure is drawn once onto any target:
 * {@link SvgCanvas} (SVG text), {@link Java2dCanvas} (PNG, or any {@link java.awt.Graphics2D} such
 * as Batik's {@code SVGGraphics2D}). Coordinates are in user units, y down. Colours are ARGB
 * {@code int}s; alpha 0 means "none".
 */
public interface Canvas {

    /** A rectangle, filled and/or outlined. */
    void rect(double x, double y, double w, double h, int fill, int stroke, double strokeWidth);

    /** A straight line. */
    void line(double x1, double y1, double x2, double y2, int color, double width);

    /**
     * A path through {@code n} points; closed and filled when {@code fill} is not transparent.
     * {@code dashed} draws the stroke dashed.
     */
    void path(double[] xs, double[] ys, int n, int fill, int stroke, double strokeWidth, boolean closed, boolean dashed);

    /** Text with its baseline at y. Any string is accepted; targets escape what they must. */
    void text(double x, double y, String text, TextStyle style);

    /** Pixels scaled into a rectangle without smoothing. */
    void image(double x, double y, double w, double h, RasterImage image);

    /**
     * Starts a group: a named, titled unit (an SVG {@code <g>} with a {@code <title>} tooltip) that
     * viewers can address; {@code cssClass} may be {@code null}.
     */
    void beginGroup(String title, String cssClass);

    /**
     * As {@link #beginGroup(String, String)}, the group also carrying data a viewer script reads
     * (SVG {@code data-KEY} attributes: the layer a box stands for, a series' points); targets
     * without such attributes ignore them. Keys are lower-case letters and dashes.
     */
    default void beginGroup(String title, String cssClass, Map<String, String> data) {
        beginGroup(title, cssClass);
    }

    /** Ends the innermost group. */
    void endGroup();
}
