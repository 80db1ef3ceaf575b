package io.nnviz.renderers.figures;

/** Whether tiles share one value range or each uses its own. */
public enum Normalization {
    /** One range for all tiles: magnitudes compare across tiles. */
    GLOBAL,
    /** Each tile stretched to its own range: structure inside weak tiles shows. */
    PER_TILE
}
