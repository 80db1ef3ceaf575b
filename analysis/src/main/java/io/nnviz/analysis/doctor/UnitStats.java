package io.nnviz.analysis.doctor;

import io.nnviz.api.Tensor;

import java.util.Objects;

/**
 * The statistics the unit rules read, computed from a layer's output for a batch of samples in
 * canonical layout ({@code [N, F]}, {@code [N, C, H, W]}, sequences {@code [N, T, C]}): what
 * fraction of its units are dead, what fraction of its outputs are saturated. A recorder computes
 * them on its background thread from the activations it captured and records them as series
 * ({@code dead_units/LAYER}, {@code saturated_units/LAYER}).
 */
public final class UnitStats {
    /** How close to a limit an output is saturated: within 1% of the function's range. */
    public static final double SATURATION_MARGIN = 0.01;

    private UnitStats() {
    }

    /**
     * The fraction of units that are zero (or less) for every sample and position: a unit is one
     * index along {@code unitAxis} (1 for {@code [N, F]} and {@code [N, C, H, W]}, 2 for sequences
     * {@code [N, T, C]}), so a convolution's unit is its channel. NaN for a tensor of no units.
     */
    public static double deadFraction(Tensor activations, int unitAxis) {
        Objects.requireNonNull(activations, "activations");
        int rank = activations.rank();
        if (rank < 2 || unitAxis < 1 || unitAxis >= rank) {
            throw new IllegalArgumentException("activations [N, ...] with the unit axis among the others: shape "
                    + activations.shape() + ", unit axis " + unitAxis);
        }
        int units = activations.shape().dim(unitAxis);
        if (units == 0 || activations.size() == 0) {
            return Double.NaN;
        }
        int inner = 1;
        for (int d = unitAxis + 1; d < rank; d++) {
            inner *= activations.shape().dim(d);
        }
        // unit by unit within each sample (and time step), leaving a unit at its first positive value: most units of a
        // healthy layer are found alive in their first few values
        boolean[] alive = new boolean[units];
        int size = activations.size(), dead = units;
        for (int base = 0; base < size && dead > 0; base += units * inner) {
            for (int u = 0; u < units; u++) {
                if (alive[u]) {
                    continue;
                }
                for (int i = base + u * inner, end = i + inner; i < end; i++) {
                    if (activations.getFlat(i) > 0) {
                        alive[u] = true;
                        dead--;
                        break;
                    }
                }
            }
        }
        return (double) dead / units;
    }

    /**
     * The fraction of finite outputs within {@link #SATURATION_MARGIN} of the function's range from
     * its limits: at most 0.01 or at least 0.99 for a sigmoid, at least 0.98 in magnitude for tanh. NaN for other
     * functions, or no finite output.
     */
    public static double saturatedFraction(Tensor activations, ActivationKind kind) {
        Objects.requireNonNull(activations, "activations");
        Objects.requireNonNull(kind, "kind");
        double lo, hi;
        switch (kind) {
            case SIGMOID -> {
                lo = SATURATION_MARGIN;
                hi = 1 - SATURATION_MARGIN;
            }
            case TANH -> {
                lo = -1 + 2 * SATURATION_MARGIN;
                hi = 1 - 2 * SATURATION_MARGIN;
            }
            default -> {
                return Double.NaN;
            }
        }
        long finite = 0, saturated = 0;
        int size = activations.size();
        for (int i = 0; i < size; i++) {
            float v = activations.getFlat(i);
            if (Float.isFinite(v)) {
                finite++;
                saturated += v <= lo || v >= hi ? 1 : 0;
            }
        }
        return finite == 0 ? Double.NaN : (double) saturated / finite;
    }
}
