package io.nnviz.renderers;

import io.nnviz.renderers.canvas.Canvas;

/**
 * A figure: knows its size and draws itself once onto any {@link Canvas}. Export with
 * {@link Figures}.
 */
public interface Figure {
    /** Width in user units (CSS pixels in SVG). */
    double width();

    /** Height in user units. */
    double height();

    /** Title, used for the SVG title and report headings. */
    String title();

    /** Draws the figure within [0, width] x [0, height]. */
    void draw(Canvas canvas);
}
