package io.nnviz.renderers.color;
import java.util.Locale;


/**
 * The colormaps nnviz uses: perceptual viridis for magnitudes, gray for images, a blue-white-red
 * diverging map centred at zero for signed weights, and one colour that no map produces for NaN
 * and infinite values.
 */
public final class Colormaps {
    private Colormaps() {
    }

    /** The colour of NaN and infinite values on every map: a magenta no map here produces. */
    public static final int NON_FINITE = 0xFFFF00FF;

    /** Viridis (the perceptually uniform matplotlib default), from ten evenly spaced anchors. */
    public static final Colormap VIRIDIS = anchored("viridis", false,
            0x440154, 0x482878, 0x3E4A89, 0x31688E, 0x26828E, 0x1F9E89, 0x35B779, 0x6DCD59, 0xB4DE2C, 0xFDE725);

    /** Black to white. */
    public static final Colormap GRAY = anchored("gray", false, 0x000000, 0xFFFFFF);

    /** Blue (negative), white (zero), red (positive): ColorBrewer RdBu anchors. */
    public static final Colormap DIVERGING = anchored("diverging", true,
            0x2166AC, 0x67A9CF, 0xD1E5F0, 0xF7F7F7, 0xFDDBC7, 0xEF8A62, 0xB2182B);

    /** Warm colours with transparency rising with the value: for saliency and Grad-CAM overlays. */
    public static final Colormap HEAT = anchored("heat", false, 0x000000, 0x7F0000, 0xFF0000, 0xFF7F00, 0xFFFF00);

    /**
     * White to dark purple (ColorBrewer Purples): magnitudes whose zero means "nothing", drawn
     * white, beside outlines in other hues (a diff's weight change under its green and orange
     * structure marks, which viridis's greens would be mistaken for).
     */
    public static final Colormap PURPLES = anchored("purples", false,
            0xFFFFFF, 0xEFEDF5, 0xDADAEB, 0xBCBDDC, 0x9E9AC8, 0x807DBA, 0x6A51A3, 0x54278F, 0x3F007D);

    private static final int[] CATEGORIES = {0xFF1F77B4, 0xFFFF7F0E, 0xFF2CA02C, 0xFFD62728, 0xFF9467BD, 0xFF8C564B,
            0xFFE377C2, 0xFF7F7F7F, 0xFFBCBD22, 0xFF17BECF};

    /**
     * The colour of category {@code i} (Tableau's ten, then again): a chart's series in order, or a
     * run of a comparison in every chart of it, whichever runs each chart draws.
     */
    public static int category(int i) {
        return CATEGORIES[Math.floorMod(i, CATEGORIES.length)];
    }

    /** The map with the given name. */
    public static Colormap byName(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "viridis" -> VIRIDIS;
            case "gray", "grey" -> GRAY;
            case "diverging", "rdbu" -> DIVERGING;
            case "heat" -> HEAT;
            case "purples" -> PURPLES;
            default -> throw new IllegalArgumentException("unknown colormap '" + name
                    + "'; known: viridis, gray, diverging, heat, purples");
        };
    }

    private static Colormap anchored(String name, boolean diverging, int... rgb) {
        int[] table = new int[256];
        for (int i = 0; i < 256; i++) {
            double pos = i / 255.0 * (rgb.length - 1);
            int k = Math.min((int) pos, rgb.length - 2);
            double f = pos - k;
            int a = rgb[k], b = rgb[k + 1];
            int r = (int) Math.round((a >> 16 & 0xFF) * (1 - f) + (b >> 16 & 0xFF) * f);
            int g = (int) Math.round((a >> 8 & 0xFF) * (1 - f) + (b >> 8 & 0xFF) * f);
            int bl = (int) Math.round((a & 0xFF) * (1 - f) + (b & 0xFF) * f);
            table[i] = 0xFF000000 | r << 16 | g << 8 | bl;
        }
        return new Colormap() {
            @Override
            public int color(double t) {
                if (!(t > 0)) {
                    return table[0];
                }
                if (t >= 1) {
                    return table[255];
                }
                return table[(int) (t * 255 + 0.5)];
            }

            @Override
            public String name() {
                return name;
            }

            @Override
            public boolean diverging() {
                return diverging;
            }
        };
    }
}
