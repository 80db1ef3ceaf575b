package io.nnviz.renderers.color;

import io.nnviz.api.TensorStats;

/**
 * Normalises values to [0, 1] for a colormap. A diverging scale is symmetric around zero, so zero
 * always gets the map's centre colour. A constant range maps everything to the centre and says so
 * ({@link #isDegenerate()}), never dividing by zero.
 *
 * @param min       value at 0
 * @param max       value at 1
 */
public record ValueScale(double min, double max) {

    /** The scale for the finite values described by {@code stats}; diverging centres it at zero. */
    public static ValueScale of(TensorStats stats, boolean diverging) {
        if (stats.finite() == 0) {
            return new ValueScale(0, 0);
        }
        return of(stats.min(), stats.max(), diverging);
    }

    /** The scale over [lo, hi]; diverging makes it [-m, m] with m = max(|lo|, |hi|). */
    public static ValueScale of(double lo, double hi, boolean diverging) {
        if (diverging) {
            double m = Math.max(Math.abs(lo), Math.abs(hi));
            return new ValueScale(-m, m);
        }
        return new ValueScale(lo, hi);
    }

    /** True if the range is empty (constant data): every value maps to 0.5. */
    public boolean isDegenerate() {
        return !(max > min);
    }

    /** The position of {@code v} in [0, 1], clamped; NaN for non-finite {@code v}. */
    public double normalize(double v) {
        if (!Double.isFinite(v)) {
            return Double.NaN;
        }
        if (isDegenerate()) {
            return 0.5;
        }
        double t = (v - min) / (max - min);
        return t < 0 ? 0 : t > 1 ? 1 : t;
    }
}
