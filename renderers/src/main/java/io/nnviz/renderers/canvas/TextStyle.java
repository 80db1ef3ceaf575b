package io.nnviz.renderers.canvas;

/**
 * How a text is drawn. The y coordinate of {@link Canvas#text} is the baseline.
 *
 * @param size     font size in canvas units
 * @param color    ARGB colour
 * @param anchor   horizontal alignment
 * @param bold     bold weight
 * @param rotation degrees clockwise around the anchor point (-90 for a vertical axis title)
 */
public record TextStyle(double size, int color, Anchor anchor, boolean bold, double rotation) {
    /** Plain dark text. */
    public static TextStyle of(double size) {
        return new TextStyle(size, 0xFF222222, Anchor.START, false, 0);
    }

    /** This style with another anchor. */
    public TextStyle anchor(Anchor a) {
        return new TextStyle(size, color, a, bold, rotation);
    }

    /** This style in bold. */
    public TextStyle asBold() {
        return new TextStyle(size, color, anchor, true, rotation);
    }

    /** This style in another colour. */
    public TextStyle color(int argb) {
        return new TextStyle(size, argb, anchor, bold, rotation);
    }

    /** This style rotated. */
    public TextStyle rotate(double degrees) {
        return new TextStyle(size, color, anchor, bold, degrees);
    }

    /**
     * Estimated width of {@code text} in this style, used for layout on every canvas so that SVG
     * and PNG lay out identically (DejaVu/Helvetica-like average advance).
     */
    public double width(String text) {
        return text.length() * size * (bold ? 0.62 : 0.58);
    }
}
