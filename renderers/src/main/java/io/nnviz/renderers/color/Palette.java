package io.nnviz.renderers.color;

/**
 * A 256-entry palette built from a colormap for palette-indexed images: indices 0..{@link #LEVELS}-1
 * are the map's levels, then one index for constant tiles, one for NaN/Inf and one for the background.
 */
public final class Palette {
    /** Number of colour levels. */
    public static final int LEVELS = 253;
    /** Index of a tile whose values are all equal (a dead channel): a neutral grey no colormap level is. */
    public static final byte CONSTANT = (byte) 253;
    /** The colour of {@link #CONSTANT}. */
    public static final int CONSTANT_COLOR = 0xFFC8C8C8;
    /** Index of NaN and infinite values. */
    public static final byte NON_FINITE = (byte) 254;
    /** Index of padding between tiles. */
    public static final byte BACKGROUND = (byte) 255;

    private Palette() {
    }

    /** The palette of {@code map}, with {@code background} for padding. */
    public static int[] of(Colormap map, int background) {
        int[] p = new int[256];
        for (int i = 0; i < LEVELS; i++) {
            p[i] = map.color(i / (double) (LEVELS - 1));
        }
        p[CONSTANT & 0xFF] = CONSTANT_COLOR;
        p[NON_FINITE & 0xFF] = Colormaps.NON_FINITE;
        p[BACKGROUND & 0xFF] = background;
        return p;
    }

    /** The palette index of {@code v} under {@code scale}. */
    public static byte index(float v, double min, double inverseRange, boolean degenerate) {
        if (!Float.isFinite(v)) {
            return NON_FINITE;
        }
        if (degenerate) {
            return (byte) (LEVELS / 2);
        }
        double t = (v - min) * inverseRange;
        int i = (int) (t * (LEVELS - 1) + 0.5);
        return (byte) (i < 0 ? 0 : i >= LEVELS ? LEVELS - 1 : i);
    }
}
