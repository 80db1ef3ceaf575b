package io.nnviz.renderers.color;

/**
 * Maps a position in [0, 1] to a colour; like JFreeChart's {@code PaintScale} but over a
 * normalised position, so one colormap serves any value range ({@link ValueScale} normalises).
 */
public interface Colormap {
    /** ARGB colour at {@code t}; {@code t} is clamped to [0, 1]. */
    int color(double t);

    /** Name shown in legends and options, e.g. {@code viridis}. */
    String name();

    /** True if the map is meant for signed values centred at zero. */
    default boolean diverging() {
        return false;
    }
}
