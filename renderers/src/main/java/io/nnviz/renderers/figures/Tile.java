package io.nnviz.renderers.figures;

/**
 * One tile of a grid figure: a plane of values (or ARGB pixels) and its label.
 */
record Tile(String label, int height, int width, float[] values, int[] argb) {
    static Tile values(String label, int h, int w, float[] v) {
        return new Tile(label, h, w, v, null);
    }

    static Tile argb(String label, int h, int w, int[] px) {
        return new Tile(label, h, w, null, px);
    }
}
