package io.nnviz.renderers.canvas;
import java.awt.Font;
import java.awt.font.FontRenderContext;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;


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
     * Width of {@code text} in this style, measured with the font {@link Java2dCanvas} draws with
     * (DejaVu Sans, or the JDK's fallback where it is missing), so that a layout that fits by this
     * measure fits in the PNG, and in SVG viewers, whose fonts listed after it (Helvetica, Arial)
     * are narrower. Every figure lays out with this one measure: an average advance per character
     * under-measured bold titles by a tenth and clipped their last characters.
     */
    public double width(String text) {
        return text.isEmpty() ? 0 : font().getStringBounds(text, FRC).getWidth();
    }

    /** The font this style is drawn in by {@link Java2dCanvas}. */
    Font font() {
        return FONTS.computeIfAbsent(size * (bold ? -1 : 1), k -> new Font(FAMILY, bold ? Font.BOLD : Font.PLAIN, 1)
                .deriveFont((float) size));
    }

    /** The family every canvas draws text in (SVG lists fallbacks after it). */
    static final String FAMILY = "DejaVu Sans";
    private static final FontRenderContext FRC = new FontRenderContext(null, true, true);
    private static final Map<Double, Font> FONTS = new ConcurrentHashMap<>();
}
