package io.nnviz.renderers.canvas;

/** Horizontal alignment of text relative to its x coordinate. */
public enum Anchor {
    /** x is the left edge. */
    START,
    /** x is the centre. */
    MIDDLE,
    /** x is the right edge. */
    END
}
